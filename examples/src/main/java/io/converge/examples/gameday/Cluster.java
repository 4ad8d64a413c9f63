package io.converge.examples.gameday;

import io.converge.clocks.ReplicaId;
import io.converge.examples.proxy.FaultProxy;
import io.converge.examples.region.RegionCertificates;
import io.converge.examples.region.RegionMain;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The three regions of the example as separate JVMs on this machine, each with its own HTTP port,
 * replication port and data directory, connected through {@link FaultProxy} instances: one per pair
 * of regions, on the connection the pair uses (the region with the smaller name dials the other).
 * Cutting a region off is partitioning the proxies of its pairs.
 *
 * <p>The regions replicate over mutual TLS: at start the cluster makes its own certificate
 * authority in memory ({@link RegionCertificates}) and writes each region's certificate, private
 * key and the authority's certificate into {@code <directory>/<region>/tls/}. The proxies relay the
 * encrypted bytes as they are.
 */
final class Cluster implements AutoCloseable {

  /** The regions, in the routing ring's order. */
  static final List<String> REGIONS = List.of("us-east", "eu-west", "ap-northeast");

  private static final Duration START_DEADLINE = Duration.ofSeconds(90);

  /** JVM options of a region: a small heap, and no core spent on C2 or G1 on a 2-core machine. */
  private static final List<String> REGION_JVM =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

  private final Path directory;
  private final List<String> regionOptions;
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final Map<String, FaultProxy> proxies = new LinkedHashMap<>();

  /** One region: its ports, its data and its process (null while it is down). */
  private static final class Node {
    final String name;
    final int httpPort;
    final int grpcPort;
    final Path data;
    final RegionCertificates.TlsFiles tls;
    Process process;
    BlockingQueue<String> stdout;
    int starts;

    Node(String name, int httpPort, int grpcPort, Path data, RegionCertificates.TlsFiles tls) {
      this.name = name;
      this.httpPort = httpPort;
      this.grpcPort = grpcPort;
      this.data = data;
      this.tls = tls;
    }
  }

  /**
   * Starts the three regions in {@code directory} (data, logs) and waits until each serves.
   *
   * @param directory an empty or new directory for this cluster's data and logs
   * @param regionOptions extra {@link RegionMain} options for every region (e.g. {@code
   *     --consistency QUORUM})
   */
  Cluster(Path directory, List<String> regionOptions) throws IOException {
    this.directory = directory;
    this.regionOptions = List.copyOf(regionOptions);
    Files.createDirectories(directory);
    RegionCertificates authority = RegionCertificates.create("Converge cart example CA");
    for (String region : REGIONS) {
      Path home = directory.resolve(region);
      nodes.put(
          region,
          new Node(
              region,
              freePort(),
              freePort(),
              home.resolve("data"),
              authority.writeFiles(region, home.resolve("tls"))));
    }
    try {
      for (int i = 0; i < REGIONS.size(); i++) {
        for (int j = i + 1; j < REGIONS.size(); j++) {
          String a = REGIONS.get(i);
          String b = REGIONS.get(j);
          String dialled = dialler(a, b).equals(a) ? b : a;
          proxies.put(
              pair(a, b),
              FaultProxy.start(
                  pair(a, b), new InetSocketAddress("127.0.0.1", nodes.get(dialled).grpcPort)));
        }
      }
      for (String region : REGIONS) {
        launch(nodes.get(region));
      }
      for (String region : REGIONS) {
        awaitReady(nodes.get(region));
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** The region of a pair that dials the other: the smaller replica id, as the transport does. */
  private static String dialler(String a, String b) {
    return ReplicaId.of(a).compareTo(ReplicaId.of(b)) < 0 ? a : b;
  }

  private static String pair(String a, String b) {
    return a.compareTo(b) < 0 ? a + "~" + b : b + "~" + a;
  }

  /** Below the kernel's ephemeral range (Linux: 32768-60999 by default). */
  private static final int PORT_FLOOR = 20_000;

  private static final int PORT_CEILING = 32_000;

  /**
   * A port a region can bind a moment later, and again after a restart. It is chosen below the
   * ephemeral range on purpose: a port the kernel hands out for port 0 is also one it hands out as
   * the source port of any outgoing connection (this process's HTTP clients, the proxies' dials,
   * other builds on the machine), so one could take it before the region binds it ("Address already
   * in use", seen on a loaded machine). Ports here are only ever taken by a listener that asks for
   * them by number; a port that is bound now is skipped.
   */
  private static int freePort() throws IOException {
    Random random = new Random();
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = PORT_FLOOR + random.nextInt(PORT_CEILING - PORT_FLOOR);
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(false);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        if (TAKEN.add(port)) {
          return port;
        }
      } catch (IOException bound) {
        // in use: try another
      }
    }
    throw new IOException(
        "no free port in " + PORT_FLOOR + ".." + PORT_CEILING + " after 200 attempts");
  }

  /** Ports this process handed out, so that two regions never get the same one. */
  private static final Set<Integer> TAKEN = ConcurrentHashMap.newKeySet();

  private void launch(Node node) throws IOException {
    Files.createDirectories(node.data);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(REGION_JVM);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(RegionMain.class.getName());
    command.addAll(
        List.of(
            "--name",
            node.name,
            "--http-port",
            Integer.toString(node.httpPort),
            "--grpc-port",
            Integer.toString(node.grpcPort),
            "--data-dir",
            node.data.toString(),
            "--tls-cert",
            node.tls.certificate().toString(),
            "--tls-key",
            node.tls.privateKey().toString(),
            "--tls-ca",
            node.tls.trustedCa().toString(),
            "--admin",
            "--exit-on-stdin-eof"));
    for (String other : REGIONS) {
      if (!other.equals(node.name)) {
        command.add("--peer");
        command.add(other + "=127.0.0.1:" + proxies.get(pair(node.name, other)).port());
      }
    }
    command.addAll(regionOptions);
    node.starts++;
    Path log = directory.resolve(node.name).resolve("region-" + node.starts + ".log");
    Process process =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(log.toFile())).start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // killed while reading: the end of its output
              }
            },
            "region-stdout-" + node.name);
    reader.setDaemon(true);
    reader.start();
    node.process = process;
    node.stdout = lines;
  }

  private void awaitReady(Node node) throws IOException {
    long deadline = System.nanoTime() + START_DEADLINE.toNanos();
    while (true) {
      String line;
      try {
        line = node.stdout.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted waiting for " + node.name, e);
      }
      if (line != null && line.startsWith("READY ")) {
        return;
      }
      if (!node.process.isAlive() && node.stdout.isEmpty()) {
        throw new IOException(
            "region "
                + node.name
                + " exited with status "
                + node.process.exitValue()
                + logTail(node));
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IOException(
            "region " + node.name + " did not start within " + START_DEADLINE + logTail(node));
      }
    }
  }

  private String logTail(Node node) {
    Path log = directory.resolve(node.name).resolve("region-" + node.starts + ".log");
    try {
      String all = Files.exists(log) ? Files.readString(log) : "";
      return "\n--- "
          + log
          + " ---\n"
          + (all.length() > 3000 ? all.substring(all.length() - 3000) : all);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The base URI of a region's cart API. */
  URI uri(String region) {
    return URI.create("http://127.0.0.1:" + node(region).httpPort + "/");
  }

  /** Every region's base URI, in ring order. */
  Map<String, URI> uris() {
    Map<String, URI> uris = new LinkedHashMap<>();
    REGIONS.forEach(r -> uris.put(r, uri(r)));
    return uris;
  }

  /** Whether a region's process is running. */
  boolean isUp(String region) {
    Process process = node(region).process;
    return process != null && process.isAlive();
  }

  /** Kills a region's process with SIGKILL (no shutdown of any kind) and waits until it is gone. */
  void kill(String region) throws InterruptedException {
    Node node = node(region);
    node.process.destroyForcibly();
    if (!node.process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("region " + region + " did not die within 30 s");
    }
    node.process = null;
  }

  /** Starts a killed region again on its ports and data directory, and waits until it serves. */
  void restart(String region) throws IOException {
    Node node = node(region);
    if (isUp(region)) {
      throw new IllegalStateException("region " + region + " is running");
    }
    launch(node);
    awaitReady(node);
  }

  /** Cuts a region off from the others: the proxies of its pairs drop and refuse connections. */
  void partition(String region) {
    proxiesOf(region).forEach(FaultProxy::partition);
  }

  /** Lets a region's connections through again. */
  void heal(String region) {
    proxiesOf(region).forEach(FaultProxy::heal);
  }

  /** Sets the one-way delay of every link between regions. */
  void delay(Duration oneWay) {
    proxies.values().forEach(p -> p.delay(oneWay));
  }

  private List<FaultProxy> proxiesOf(String region) {
    node(region);
    List<FaultProxy> of = new ArrayList<>();
    for (String other : REGIONS) {
      if (!other.equals(region)) {
        of.add(proxies.get(pair(region, other)));
      }
    }
    return of;
  }

  private Node node(String region) {
    Node node = nodes.get(region);
    if (node == null) {
      throw new IllegalArgumentException("unknown region: " + region + "; regions: " + REGIONS);
    }
    return node;
  }

  /** The directory of the cluster's data and logs. */
  Path directory() {
    return directory;
  }

  /**
   * Stops every region (their standard input closes, so they shut down cleanly; killed after 20 s)
   * and the proxies.
   */
  @Override
  public void close() {
    for (Node node : nodes.values()) {
      if (node.process != null && node.process.isAlive()) {
        try {
          OutputStream in = node.process.getOutputStream();
          in.close();
        } catch (IOException e) {
          // already gone
        }
      }
    }
    for (Node node : nodes.values()) {
      if (node.process != null) {
        try {
          if (!node.process.waitFor(20, TimeUnit.SECONDS)) {
            node.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          }
        } catch (InterruptedException e) {
          node.process.destroyForcibly();
          Thread.currentThread().interrupt();
        }
        node.process = null;
      }
    }
    proxies.values().forEach(FaultProxy::close);
  }
}
