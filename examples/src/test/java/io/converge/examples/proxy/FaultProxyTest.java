package io.converge.examples.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
final class FaultProxyTest {

  /** Deadline of every wait on the proxy; generous, since the machine may be loaded. */
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  private EchoServer echo;
  private FaultProxy proxy;

  @BeforeEach
  void startEchoAndProxy() throws IOException {
    echo = EchoServer.start();
    proxy = FaultProxy.start("test", echo.address());
  }

  @AfterEach
  void stop() {
    proxy.close();
    echo.close();
  }

  @Test
  void forwardsOneMegabyteBothWaysAndCountsIt() throws Exception {
    byte[] sent = new byte[1 << 20];
    new Random(42).nextBytes(sent);
    try (Socket client = connect()) {
      byte[] received = roundTrip(client, sent);

      assertArrayEquals(sent, received);
      assertEquals(1, proxy.connectionsAccepted());
      assertEquals(0, proxy.connectionsRefused());
      assertEquals(1, proxy.openConnections());
      await("2 MiB counted", () -> proxy.bytesForwarded() == 2L * sent.length);
    }
    await("connection closed after the client", () -> proxy.openConnections() == 0);
  }

  @Test
  void describesItself() {
    assertEquals("test", proxy.name());
    assertEquals(echo.address(), proxy.target());
    assertTrue(proxy.port() > 0);
    assertFalse(proxy.isPartitioned());
    assertEquals(Duration.ZERO, proxy.delay());
    assertTrue(proxy.toString().contains("test"), proxy.toString());
  }

  @Test
  void partitionCutsEstablishedConnectionsAndRefusesNewOnes() throws Exception {
    try (Socket established = connect()) {
      assertArrayEquals(new byte[] {1, 2, 3}, roundTrip(established, new byte[] {1, 2, 3}));

      proxy.partition();

      assertTrue(proxy.isPartitioned());
      assertClosedByPeer(established);
      await("cut connection forgotten", () -> proxy.openConnections() == 0);
    }
    try (Socket refused = connect()) {
      assertClosedByPeer(refused);
    }
    await("refusal counted", () -> proxy.connectionsRefused() == 1);
    assertEquals(2, proxy.connectionsAccepted());
    assertEquals(0, proxy.openConnections());

    proxy.partition();
    assertTrue(proxy.isPartitioned());
    try (Socket refusedAgain = connect()) {
      assertClosedByPeer(refusedAgain);
    }
    await("second refusal counted", () -> proxy.connectionsRefused() == 2);
  }

  @Test
  void healForwardsNewConnectionsAgain() throws Exception {
    proxy.partition();
    proxy.heal();
    proxy.heal();

    assertFalse(proxy.isPartitioned());
    try (Socket client = connect()) {
      assertArrayEquals(new byte[] {7, 8, 9}, roundTrip(client, new byte[] {7, 8, 9}));
    }
    assertEquals(0, proxy.connectionsRefused());
  }

  @Test
  void delayAppliesToEstablishedConnectionsInBothDirections() throws Exception {
    try (Socket client = connect()) {
      assertArrayEquals(new byte[] {1}, roundTrip(client, new byte[] {1}));

      proxy.delay(Duration.ofMillis(200));
      assertEquals(Duration.ofMillis(200), proxy.delay());
      long start = System.nanoTime();
      byte[] echoed = roundTrip(client, new byte[] {2});
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      assertArrayEquals(new byte[] {2}, echoed);
      assertTrue(elapsedMillis >= 400, "round trip through 2 x 200 ms took " + elapsedMillis);
    }
  }

  @Test
  void delayPreservesByteOrderOfManySmallWrites() throws Exception {
    proxy.delay(Duration.ofMillis(20));
    int count = 5_000;
    try (Socket client = connect()) {
      CompletableFuture<Void> writes =
          CompletableFuture.runAsync(
              () -> {
                try {
                  DataOutputStream out = new DataOutputStream(client.getOutputStream());
                  for (int i = 0; i < count; i++) {
                    out.writeInt(i);
                    out.flush();
                  }
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      DataInputStream in = new DataInputStream(client.getInputStream());
      for (int i = 0; i < count; i++) {
        assertEquals(i, in.readInt());
      }
      writes.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }
  }

  @Test
  void removingTheDelayForwardsAtOnceAgain() throws Exception {
    proxy.delay(Duration.ofMillis(50));
    proxy.delay(Duration.ZERO);

    assertEquals(Duration.ZERO, proxy.delay());
    try (Socket client = connect()) {
      assertArrayEquals(new byte[] {5}, roundTrip(client, new byte[] {5}));
    }
  }

  @Test
  void rejectsNegativeDelayNamingIt() {
    Duration negative = Duration.ofMillis(-5);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> proxy.delay(negative));

    assertTrue(e.getMessage().contains(negative.toString()), e.getMessage());
    assertEquals(Duration.ZERO, proxy.delay());
  }

  @Test
  void rejectsDelayLongerThanADay() {
    Duration tooLong = Duration.ofDays(2);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> proxy.delay(tooLong));

    assertTrue(e.getMessage().contains(tooLong.toString()), e.getMessage());
  }

  @Test
  void rejectsBlankName() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> FaultProxy.start(" ", echo.address()));

    assertTrue(e.getMessage().contains("' '"), e.getMessage());
  }

  @Test
  void closesTheClientWhenTheTargetIsDown() throws Exception {
    InetSocketAddress down;
    try (ServerSocket unused = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      down = new InetSocketAddress(InetAddress.getLoopbackAddress(), unused.getLocalPort());
    }
    try (FaultProxy toDown = FaultProxy.start("down", down);
        Socket client = connect(toDown)) {
      assertClosedByPeer(client);
      await("failed connection forgotten", () -> toDown.openConnections() == 0);
      assertEquals(1, toDown.connectionsAccepted());
      assertEquals(0, toDown.connectionsRefused());
      assertEquals(0, toDown.bytesForwarded());
    }
  }

  @Test
  void closeIsIdempotentStopsListeningAndStopsItsThreads() throws Exception {
    FaultProxy closing = FaultProxy.start("closing", echo.address());
    Socket client = connect(closing);
    try {
      assertArrayEquals(new byte[] {4}, roundTrip(client, new byte[] {4}));

      closing.close();
      closing.close();

      assertClosedByPeer(client);
      assertEquals(0, closing.openConnections());
      assertThrows(IOException.class, () -> connect(closing).close());
      await("no proxy-closing- thread alive", () -> liveThreads("proxy-closing-").isEmpty());
    } finally {
      client.close();
      closing.close();
    }
  }

  @Test
  void namesItsThreadsAfterTheLink() throws Exception {
    try (Socket client = connect()) {
      roundTrip(client, new byte[] {1});

      List<String> names = liveThreads("proxy-test-");

      assertTrue(names.contains("proxy-test-accept"), names.toString());
      assertTrue(names.contains("proxy-test-1-c2t-read"), names.toString());
      assertTrue(names.contains("proxy-test-1-c2t-write"), names.toString());
      assertTrue(names.contains("proxy-test-1-t2c-read"), names.toString());
      assertTrue(names.contains("proxy-test-1-t2c-write"), names.toString());
    }
  }

  private Socket connect() throws IOException {
    return connect(proxy);
  }

  private static Socket connect(FaultProxy target) throws IOException {
    Socket socket = new Socket();
    try {
      socket.connect(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), target.port()),
          (int) DEADLINE.toMillis());
      socket.setSoTimeout((int) DEADLINE.toMillis());
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }

  /** Writes {@code bytes} (from another thread) while reading as many back, and returns them. */
  private static byte[] roundTrip(Socket client, byte[] bytes) throws Exception {
    CompletableFuture<Void> write =
        CompletableFuture.runAsync(
            () -> {
              try {
                OutputStream out = client.getOutputStream();
                out.write(bytes);
                out.flush();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    byte[] received = new DataInputStream(client.getInputStream()).readNBytes(bytes.length);
    write.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    return received;
  }

  /** Asserts the peer closes or resets {@code socket} before its read timeout. */
  private static void assertClosedByPeer(Socket socket) {
    try {
      InputStream in = socket.getInputStream();
      assertEquals(-1, in.read(), "expected the connection closed, got a byte");
    } catch (SocketTimeoutException e) {
      fail("connection still open after " + DEADLINE, e);
    } catch (IOException e) {
      // Reset by the peer: closed as well.
    }
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after " + DEADLINE + " waiting for: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  private static List<String> liveThreads(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(name -> name.startsWith(prefix))
        .toList();
  }

  /** A target echoing every byte back, a thread per connection. */
  private static final class EchoServer implements AutoCloseable {

    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    private EchoServer(ServerSocket server) {
      this.server = server;
    }

    static EchoServer start() throws IOException {
      EchoServer echo = new EchoServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
      Thread acceptor = new Thread(echo::acceptLoop, "echo-accept");
      acceptor.setDaemon(true);
      acceptor.start();
      return echo;
    }

    InetSocketAddress address() {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
    }

    private void acceptLoop() {
      try {
        while (true) {
          Socket socket = server.accept();
          sockets.add(socket);
          Thread echoer = new Thread(() -> echo(socket), "echo-" + socket.getPort());
          echoer.setDaemon(true);
          echoer.start();
        }
      } catch (IOException e) {
        // Closed.
      }
    }

    private void echo(Socket socket) {
      try (socket) {
        socket.getInputStream().transferTo(socket.getOutputStream());
      } catch (IOException e) {
        // The connection ended.
      } finally {
        sockets.remove(socket);
      }
    }

    @Override
    public void close() {
      try {
        server.close();
        for (Socket socket : sockets) {
          socket.close();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
