package io.converge.examples.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fault-injecting TCP proxy for one directed link between two regions: region A dials {@link
 * #port()} on 127.0.0.1 and the proxy forwards every connection to region B's real address, {@link
 * #target()}. The game days cut the link with {@link #partition()}, restore it with {@link #heal()}
 * and slow it down with {@link #delay(Duration)}.
 *
 * <p>Each forwarded connection runs four daemon threads, a reader and a writer per direction: the
 * reader reads a chunk of bytes, stamps it with the time it is due ({@code now + delay}) and queues
 * it; the writer takes the chunks in order and writes each once it is due. Bytes are therefore
 * delivered in order, and a delay applies to every chunk read after it was set, on existing and new
 * connections alike. The queues are bounded, so a slow receiver pushes back on the sender as TCP
 * would.
 *
 * <p>The end of a stream on either side (including a half-close) closes both sockets of the
 * connection once the bytes queued before it have been written; a read or write error closes both
 * sockets at once. If the target refuses the connection (the region is down), the client socket is
 * closed at once.
 *
 * <p>The listener's thread is named {@code proxy-<name>-accept}; a connection's threads are named
 * {@code proxy-<name>-<id>-<direction>-read} and {@code -write}, where the id numbers the proxy's
 * connections from 1 and the direction is {@code c2t} (client to target) or {@code t2c}. Expected
 * connection errors are logged at {@link Level#DEBUG} through the platform logger. All methods are
 * thread-safe.
 */
public final class FaultProxy implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(FaultProxy.class.getName());

  /** The largest delay {@link #delay(Duration)} accepts. */
  private static final Duration MAX_DELAY = Duration.ofDays(1);

  /** Bytes read at most at once in one direction. */
  private static final int CHUNK_SIZE = 16 * 1024;

  /** Chunks queued at most per direction before the reader blocks (4 MiB of 16 KiB chunks). */
  private static final int QUEUE_CAPACITY = 256;

  /** How long connecting to the target may take before the client connection is dropped. */
  private static final int CONNECT_TIMEOUT_MILLIS = 5_000;

  /** How long {@link #close()} waits for the proxy's threads to end. */
  private static final long CLOSE_JOIN_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** Pause after an unexpected accept failure, so that a persistent one does not spin. */
  private static final long ACCEPT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final String name;
  private final InetSocketAddress target;
  private final ServerSocket server;
  private final Thread acceptor;

  /** Guards {@link #connections}, {@link #partitioned} changes and {@link #closed} changes. */
  private final Object lock = new Object();

  private final Set<Connection> connections = new HashSet<>();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong forwarded = new AtomicLong();
  private final AtomicLong connectionIds = new AtomicLong();
  private volatile boolean partitioned;
  private volatile boolean closed;
  private volatile Duration delay = Duration.ZERO;

  private FaultProxy(String name, InetSocketAddress target, ServerSocket server) {
    this.name = name;
    this.target = target;
    this.server = server;
    this.acceptor = new Thread(this::acceptLoop, "proxy-" + name + "-accept");
    this.acceptor.setDaemon(true);
  }

  /**
   * Starts a proxy listening on 127.0.0.1, on a port the system chooses, forwarding every
   * connection to {@code target}. The link starts healed and without delay.
   *
   * @param name the link's name, used in thread names and logs (for example {@code "eu-us"})
   * @param target the address connections are forwarded to
   * @return the running proxy
   * @throws IOException if the listening socket cannot be opened
   * @throws IllegalArgumentException if {@code name} is blank or {@code target} is unresolved
   */
  public static FaultProxy start(String name, InetSocketAddress target) throws IOException {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(target, "target");
    if (name.isBlank()) {
      throw new IllegalArgumentException("proxy name must not be blank: '" + name + "'");
    }
    if (target.isUnresolved()) {
      throw new IllegalArgumentException("proxy target must be resolved: " + target);
    }
    ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    FaultProxy proxy = new FaultProxy(name, target, server);
    proxy.acceptor.start();
    LOG.log(Level.DEBUG, () -> proxy + " started");
    return proxy;
  }

  /**
   * Returns the port this proxy listens on, on 127.0.0.1.
   *
   * @return the listening port
   */
  public int port() {
    return server.getLocalPort();
  }

  /**
   * Returns the link's name given to {@link #start(String, InetSocketAddress)}.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the address connections are forwarded to.
   *
   * @return the target address
   */
  public InetSocketAddress target() {
    return target;
  }

  /**
   * Cuts the link: closes both sockets of every open connection at once and, until {@link #heal()},
   * closes every new connection as soon as it is accepted, so that the dialler sees its connection
   * closed or reset at once, as in a hard partition. Does nothing if already partitioned.
   */
  public void partition() {
    List<Connection> cut;
    synchronized (lock) {
      if (partitioned || closed) {
        return;
      }
      partitioned = true;
      cut = List.copyOf(connections);
    }
    LOG.log(Level.DEBUG, () -> this + " partitioned, cutting " + cut.size() + " connection(s)");
    cut.forEach(Connection::close);
  }

  /**
   * Heals the link: new connections are forwarded again. Connections cut by {@link #partition()}
   * stay closed; the client must reconnect. Does nothing if not partitioned.
   */
  public void heal() {
    synchronized (lock) {
      if (!partitioned) {
        return;
      }
      partitioned = false;
    }
    LOG.log(Level.DEBUG, () -> this + " healed");
  }

  /**
   * Tells whether the link is cut.
   *
   * @return {@code true} between {@link #partition()} and {@link #heal()}
   */
  public boolean isPartitioned() {
    return partitioned;
  }

  /**
   * Delays every chunk of bytes forwarded, in both directions, by {@code oneWay}: a chunk read
   * after this call is written no earlier than {@code oneWay} after it was read, on existing and
   * new connections, and byte order is preserved (a chunk never overtakes an earlier one, so
   * lowering the delay takes effect once the chunks queued before have been written). A round trip
   * through the link therefore takes at least twice {@code oneWay}.
   *
   * @param oneWay the one-way delay; {@link Duration#ZERO} removes it
   * @throws IllegalArgumentException if {@code oneWay} is negative or longer than one day
   */
  public void delay(Duration oneWay) {
    Objects.requireNonNull(oneWay, "oneWay");
    if (oneWay.isNegative()) {
      throw new IllegalArgumentException("proxy delay must not be negative: " + oneWay);
    }
    if (oneWay.compareTo(MAX_DELAY) > 0) {
      throw new IllegalArgumentException(
          "proxy delay must be at most " + MAX_DELAY + ": " + oneWay);
    }
    delay = oneWay;
    LOG.log(Level.DEBUG, () -> this + " one-way delay set to " + oneWay);
  }

  /**
   * Returns the current one-way delay.
   *
   * @return the delay, {@link Duration#ZERO} when none
   */
  public Duration delay() {
    return delay;
  }

  /**
   * Returns how many connections the proxy has accepted on its port since it started, including
   * those closed at once because the link was partitioned or the target was down.
   *
   * @return the number of accepted connections
   */
  public long connectionsAccepted() {
    return accepted.get();
  }

  /**
   * Returns how many accepted connections were closed at once because the link was partitioned.
   *
   * @return the number of refused connections
   */
  public long connectionsRefused() {
    return refused.get();
  }

  /**
   * Returns how many bytes the proxy has written to either side, both directions together.
   *
   * @return the number of forwarded bytes
   */
  public long bytesForwarded() {
    return forwarded.get();
  }

  /**
   * Returns how many connections are open through the proxy: accepted, not refused, and not yet
   * closed (including those still connecting to the target).
   *
   * @return the number of open connections
   */
  public int openConnections() {
    synchronized (lock) {
      return connections.size();
    }
  }

  /**
   * Stops the proxy: stops listening, closes every connection and waits briefly for the proxy's
   * threads to end. Does nothing if already closed.
   */
  @Override
  public void close() {
    List<Connection> open;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      open = List.copyOf(connections);
    }
    closeQuietly(server);
    List<Thread> threads = new ArrayList<>();
    threads.add(acceptor);
    for (Connection connection : open) {
      threads.addAll(connection.close());
    }
    joinAll(threads);
    LOG.log(Level.DEBUG, () -> this + " closed");
  }

  /**
   * Describes the proxy: its name, port and target.
   *
   * @return a description for logs
   */
  @Override
  public String toString() {
    return "FaultProxy[" + name + " 127.0.0.1:" + port() + " -> " + target + "]";
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (closed || server.isClosed()) {
          return;
        }
        LOG.log(Level.WARNING, this + " failed to accept a connection", e);
        LockSupport.parkNanos(ACCEPT_BACKOFF_NANOS);
        continue;
      }
      accepted.incrementAndGet();
      admit(client);
    }
  }

  /** Starts forwarding {@code client}, or closes it at once if partitioned or closed. */
  private void admit(Socket client) {
    Connection connection = new Connection(connectionIds.incrementAndGet(), client);
    synchronized (lock) {
      if (!partitioned && !closed) {
        connections.add(connection);
        connection.startConnecting();
        return;
      }
    }
    if (!closed) {
      refused.incrementAndGet();
      LOG.log(Level.DEBUG, () -> this + " partitioned: refused " + client.getRemoteSocketAddress());
    }
    closeQuietly(client);
  }

  private void forget(Connection connection) {
    synchronized (lock) {
      connections.remove(connection);
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.log(Level.DEBUG, "failed to close " + closeable, e);
    }
  }

  private static void joinAll(List<Thread> threads) {
    long deadline = System.nanoTime() + CLOSE_JOIN_NANOS;
    boolean interrupted = false;
    for (Thread thread : threads) {
      if (thread == Thread.currentThread()) {
        continue;
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        break;
      }
      try {
        TimeUnit.NANOSECONDS.timedJoin(thread, remaining);
      } catch (InterruptedException e) {
        interrupted = true;
        break;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** A chunk of bytes read from one side, due to be written to the other at {@code dueNanos}. */
  private record Chunk(byte[] bytes, long dueNanos) {

    /** The end of the stream: nothing to write, close the connection when due. */
    boolean isEnd() {
      return bytes == null;
    }
  }

  /** One client connection and its connection to the target. */
  private final class Connection {

    private final long id;
    private final Socket client;

    /** Guarded by {@code this}. */
    private Socket upstream;

    /** Guarded by {@code this}. */
    private final List<Thread> threads = new ArrayList<>();

    /** Guarded by {@code this}. */
    private boolean done;

    Connection(long id, Socket client) {
      this.id = id;
      this.client = client;
    }

    /**
     * Connects to the target on a thread of its own, which then reads from the client; closes the
     * client at once if the target cannot be reached.
     */
    void startConnecting() {
      Pipe toTarget = new Pipe("c2t", client);
      Thread reader = newThread(toTarget.direction + "-read", () -> connectThenRead(toTarget));
      synchronized (this) {
        threads.add(reader);
      }
      reader.start();
    }

    private void connectThenRead(Pipe toTarget) {
      Socket socket = new Socket();
      try {
        client.setTcpNoDelay(true);
        socket.setTcpNoDelay(true);
        socket.connect(target, CONNECT_TIMEOUT_MILLIS);
      } catch (IOException e) {
        LOG.log(Level.DEBUG, () -> FaultProxy.this + " cannot reach the target: " + e);
        closeQuietly(socket);
        close();
        return;
      }
      Pipe toClient = new Pipe("t2c", socket);
      synchronized (this) {
        if (done) {
          closeQuietly(socket);
          return;
        }
        upstream = socket;
        startThread(toTarget.direction + "-write", () -> toTarget.write(socket));
        startThread(toClient.direction + "-read", toClient::read);
        startThread(toClient.direction + "-write", () -> toClient.write(client));
      }
      toTarget.read();
    }

    /** Called with {@code this} locked. */
    private void startThread(String suffix, Runnable body) {
      Thread thread = newThread(suffix, body);
      threads.add(thread);
      thread.start();
    }

    private Thread newThread(String suffix, Runnable body) {
      Thread thread = new Thread(body, "proxy-" + name + "-" + id + "-" + suffix);
      thread.setDaemon(true);
      return thread;
    }

    /**
     * Closes both sockets and interrupts the connection's other threads; idempotent.
     *
     * @return the connection's threads, to wait for
     */
    List<Thread> close() {
      Socket upstreamSocket;
      List<Thread> all;
      synchronized (this) {
        all = List.copyOf(threads);
        if (done) {
          return all;
        }
        done = true;
        upstreamSocket = upstream;
      }
      forget(this);
      closeQuietly(client);
      closeQuietly(upstreamSocket);
      for (Thread thread : all) {
        if (thread != Thread.currentThread()) {
          thread.interrupt();
        }
      }
      return all;
    }

    /**
     * One direction of the connection: a reader queueing chunks, a writer writing them when due.
     */
    private final class Pipe {

      private final String direction;
      private final Socket from;
      private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);

      Pipe(String direction, Socket from) {
        this.direction = direction;
        this.from = from;
      }

      void read() {
        byte[] buffer = new byte[CHUNK_SIZE];
        try {
          InputStream in = from.getInputStream();
          int n;
          while ((n = in.read(buffer)) >= 0) {
            queue.put(new Chunk(Arrays.copyOf(buffer, n), dueNanos()));
          }
          queue.put(new Chunk(null, dueNanos()));
        } catch (IOException e) {
          debug("read failed", e);
          close();
        } catch (InterruptedException e) {
          close();
        }
      }

      void write(Socket to) {
        try {
          OutputStream out = to.getOutputStream();
          while (true) {
            Chunk chunk = queue.take();
            awaitDue(chunk.dueNanos());
            if (chunk.isEnd()) {
              LOG.log(Level.DEBUG, () -> FaultProxy.this + " " + direction + " ended, closing");
              close();
              return;
            }
            out.write(chunk.bytes());
            forwarded.addAndGet(chunk.bytes().length);
          }
        } catch (IOException e) {
          debug("write failed", e);
          close();
        } catch (InterruptedException e) {
          close();
        }
      }

      private long dueNanos() {
        return System.nanoTime() + delay.toNanos();
      }

      private void awaitDue(long dueNanos) throws InterruptedException {
        long remaining;
        while ((remaining = dueNanos - System.nanoTime()) > 0) {
          LockSupport.parkNanos(this, remaining);
          if (Thread.interrupted()) {
            throw new InterruptedException();
          }
        }
      }

      private void debug(String what, IOException e) {
        LOG.log(
            Level.DEBUG,
            () -> FaultProxy.this + " connection " + id + " " + direction + " " + what + ": " + e);
      }
    }
  }
}
