package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

/**
 * Where {@link GrpcTransport.Builder#plaintext()} may listen and dial: loopback only, since
 * plaintext authenticates nobody. {@link GrpcTransport.Builder#build()} checks an IP address given
 * to {@code listen} (no I/O); {@link GrpcTransport#start} checks names, which must be resolved.
 */
final class PlaintextRules {

  private PlaintextRules() {}

  /**
   * Fails unless the listen address and the addresses of every peer {@code self} dials are loopback
   * (resolves names: I/O).
   *
   * @throws IllegalStateException naming the first address that is not
   */
  static void requireLoopback(TransportSettings settings, ReplicaId self) {
    requireLoopback(settings.host(), "listen address " + settings.host());
    for (Map.Entry<ReplicaId, String> e : settings.peers().entrySet()) {
      if (TransportSettings.dials(self, e.getKey())) {
        requireLoopback(hostOf(e.getValue()), "address " + e.getValue() + " of peer " + e.getKey());
      }
    }
  }

  /**
   * Fails unless {@code host} resolves to loopback addresses only: plaintext is for one host.
   *
   * @throws IllegalStateException naming {@code what} otherwise
   */
  static void requireLoopback(String host, String what) {
    String problem = loopbackProblem(host);
    if (problem != null) {
      throw new IllegalStateException(
          "plaintext() is for one host, but the "
              + what
              + " "
              + problem
              + ": use tls(...), or plaintextInsecureAllowRemote() to let anyone who can reach"
              + " it claim to be a peer");
    }
  }

  /** Why {@code host} is not loopback, or null if it is; resolves names (I/O). */
  private static String loopbackProblem(String host) {
    try {
      for (InetAddress a : InetAddress.getAllByName(host)) {
        if (!a.isLoopbackAddress()) {
          return "is not loopback (" + a.getHostAddress() + ")";
        }
      }
      return null;
    } catch (UnknownHostException e) {
      return "does not resolve: " + e.getMessage();
    }
  }

  /** The host of a channel target: {@code host:port}, {@code [v6]:port} or {@code dns:///...}. */
  static String hostOf(String target) {
    String t = target;
    int scheme = t.indexOf("://");
    if (scheme >= 0) {
      t = t.substring(scheme + 3);
      t = t.substring(t.indexOf('/') + 1);
    }
    if (t.startsWith("[")) {
      int end = t.indexOf(']');
      return end > 0 ? t.substring(1, end) : t;
    }
    int colon = t.lastIndexOf(':');
    return colon > 0 ? t.substring(0, colon) : t;
  }

  /** Whether {@code host} is an IP address (resolving it does no I/O), not a name. */
  static boolean isIpLiteral(String host) {
    return host.indexOf(':') >= 0 || host.matches("[0-9.]+");
  }
}
