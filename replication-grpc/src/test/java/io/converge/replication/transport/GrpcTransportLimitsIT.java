package io.converge.replication.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Reject;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The bounds of {@link GrpcTransport}'s server, over real sockets on loopback: connections that
 * never finish their handshake, connections beyond the limit, idle and old connections, ping
 * floods, streams per connection; and plaintext's loopback-only default. Clients here are raw TCP
 * sockets speaking just enough HTTP/2 (the connection preface, SETTINGS, PING) to be a connection
 * gRPC accepts; every wait has a 30 s deadline and ends as soon as its condition holds.
 */
final class GrpcTransportLimitsIT {

  private static final int DEADLINE_MILLIS = 30_000;
  private static final int SETTINGS = 4;
  private static final int PING = 6;
  private static final int GOAWAY = 7;
  private static final int ENHANCE_YOUR_CALM = 0xb;
  private static final int SETTINGS_MAX_CONCURRENT_STREAMS = 3;

  private final ReplicaId r2 = ReplicaId.of("r2");
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  /** Starts r2, which accepts r1, on loopback with {@code b}'s limits. */
  private GrpcTransport start(GrpcTransport.Builder b, RecordingListener listener) {
    GrpcTransport t = b.plaintext().acceptFrom("r1").build();
    closeables.add(t);
    t.start(r2, listener);
    return t;
  }

  private RawConnection connect(GrpcTransport t) throws IOException {
    RawConnection c = new RawConnection(t.port());
    closeables.add(c);
    return c;
  }

  private static void await(Supplier<String> what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofMillis(DEADLINE_MILLIS).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + DEADLINE_MILLIS + " ms: " + what.get());
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  @Test
  void plaintext_defaultListenAddress_isLoopback() {
    GrpcTransport t = start(GrpcTransport.builder(), new RecordingListener(r2));
    assertTrue(t.boundAddress().getAddress().isLoopbackAddress(), t.boundAddress()::toString);
  }

  @Test
  void silentConnections_closedAfterHandshakeTimeout_counted() throws Exception {
    RecordingListener listener = new RecordingListener(r2);
    GrpcTransport t =
        start(GrpcTransport.builder().handshakeTimeout(Duration.ofSeconds(1)), listener);
    List<RawConnection> silent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      silent.add(connect(t));
    }
    for (RawConnection c : silent) {
      c.readUntilClosed(); // fails if still open after 30 s
    }
    await(
        () -> "refusals: " + listener.events(),
        () -> listener.refusals(Reject.Reason.HANDSHAKE_TIMEOUT) == 20);
  }

  @Test
  void connectionsBeyondMax_closedAtOnce_counted_othersServed() throws Exception {
    RecordingListener listener = new RecordingListener(r2);
    GrpcTransport t =
        start(
            GrpcTransport.builder().maxConnections(5).handshakeTimeout(Duration.ofMinutes(1)),
            listener);
    List<RawConnection> all = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      all.add(connect(t));
    }
    int served = 0;
    List<RawConnection> open = new ArrayList<>();
    for (RawConnection c : all) {
      if (c.isServed()) {
        served++;
        open.add(c);
      }
    }
    assertEquals(5, served, "connections served of 8 with maxConnections(5)");
    // The listener hears of each refusal on the transport's callback executor, possibly after the
    // refused client saw its connection close: wait for it.
    await(
        () -> "refusals: " + listener.events(),
        () -> listener.refusals(Reject.Reason.CONNECTION_LIMIT) == 3);
    for (RawConnection c : open) {
      c.close();
    }
    // Closed connections free their places (the server learns of each close asynchronously).
    await(
        () -> "no place freed",
        () -> {
          try (RawConnection c = new RawConnection(t.port())) {
            return c.isServed();
          } catch (IOException e) {
            return false;
          }
        });
  }

  /** Opens an HTTP/2 connection with no stream to a server built by {@code b}: it must GOAWAY. */
  private void assertGoAwayThenClosed(GrpcTransport.Builder b) throws Exception {
    RawConnection c = connect(start(b, new RecordingListener(r2)));
    c.preface();
    List<Frame> frames = c.readUntilClosed();
    assertTrue(frames.stream().anyMatch(f -> f.type() == GOAWAY), frames::toString);
  }

  @Test
  void idleConnection_goAwayAfterMaxConnectionIdle() throws Exception {
    assertGoAwayThenClosed(GrpcTransport.builder().maxConnectionIdle(Duration.ofSeconds(1)));
  }

  @Test
  void oldConnection_goAwayAfterMaxConnectionAge() throws Exception {
    // Idle connections live 5 minutes by default: this one is closed for its age.
    assertGoAwayThenClosed(
        GrpcTransport.builder().maxConnectionAge(Duration.ofSeconds(1), Duration.ofSeconds(1)));
  }

  @Test
  void pingFlood_goAwayEnhanceYourCalm_closed() throws Exception {
    GrpcTransport t = start(GrpcTransport.builder(), new RecordingListener(r2));
    RawConnection c = connect(t);
    c.preface();
    for (int i = 0; i < 10; i++) {
      c.frame(PING, 0, 0, ByteBuffer.allocate(8).putLong(i).array());
    }
    List<Frame> frames = c.readUntilClosed();
    assertTrue(
        frames.stream()
            .anyMatch(
                f ->
                    f.type() == GOAWAY
                        && ByteBuffer.wrap(f.payload()).getInt(4) == ENHANCE_YOUR_CALM),
        frames::toString);
  }

  @Test
  void maxStreamsPerConnection_advertisedInSettings() throws Exception {
    GrpcTransport t =
        start(GrpcTransport.builder().maxStreamsPerConnection(3), new RecordingListener(r2));
    RawConnection c = connect(t);
    c.preface();
    Frame settings = c.read();
    while (settings != null && (settings.type() != SETTINGS || (settings.flags() & 1) != 0)) {
      settings = c.read();
    }
    assertTrue(settings != null, "no SETTINGS from the server");
    ByteBuffer params = ByteBuffer.wrap(settings.payload());
    Integer maxStreams = null;
    while (params.remaining() >= 6) {
      int id = params.getShort() & 0xffff;
      int value = params.getInt();
      if (id == SETTINGS_MAX_CONCURRENT_STREAMS) {
        maxStreams = value;
      }
    }
    assertEquals(Integer.valueOf(3), maxStreams, "SETTINGS_MAX_CONCURRENT_STREAMS");
  }

  /** One HTTP/2 frame: its type, flags, stream and payload. */
  record Frame(int type, int flags, int stream, byte[] payload) {
    @Override
    public String toString() {
      return "Frame{type=" + type + ", flags=" + flags + ", stream=" + stream + "}";
    }
  }

  /** A TCP connection speaking raw HTTP/2 frames; reads time out after the test deadline. */
  static final class RawConnection implements AutoCloseable {
    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    RawConnection(int port) throws IOException {
      socket = new Socket(InetAddress.getLoopbackAddress(), port);
      socket.setSoTimeout(DEADLINE_MILLIS);
      in = new DataInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    /** Sends the client connection preface and an empty SETTINGS frame. */
    void preface() throws IOException {
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      frame(SETTINGS, 0, 0, new byte[0]);
    }

    void frame(int type, int flags, int stream, byte[] payload) throws IOException {
      ByteBuffer b = ByteBuffer.allocate(9 + payload.length);
      b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8));
      b.put((byte) payload.length).put((byte) type).put((byte) flags).putInt(stream).put(payload);
      out.write(b.array());
      out.flush();
    }

    /** The next frame, or null once the server closed the connection. */
    Frame read() throws IOException {
      try {
        int length =
            in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = new byte[length];
        in.readFully(payload);
        return new Frame(type, flags, stream, payload);
      } catch (EOFException e) {
        return null;
      } catch (SocketTimeoutException e) {
        throw new AssertionError("connection still open after " + DEADLINE_MILLIS + " ms", e);
      } catch (SocketException e) {
        return null; // reset by the server
      }
    }

    /**
     * Reads until the server closes the connection, answering its pings (a server shutting a
     * connection down gracefully pings, and waits for the answer or 10 s); fails if the connection
     * stays open past the deadline.
     */
    List<Frame> readUntilClosed() throws IOException {
      List<Frame> frames = new ArrayList<>();
      for (Frame f = read(); f != null; f = read()) {
        frames.add(f);
        if (f.type() == PING && (f.flags() & 1) == 0) {
          try {
            frame(PING, 1, 0, f.payload());
          } catch (SocketException closing) {
            // the server closed the connection: the next read says so
          }
        }
      }
      return frames;
    }

    /** Whether the server serves this connection: it answers the preface with SETTINGS. */
    boolean isServed() throws IOException {
      try {
        preface();
      } catch (SocketException e) {
        return false;
      }
      for (Frame f = read(); f != null; f = read()) {
        if (f.type() == SETTINGS) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
