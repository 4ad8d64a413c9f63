package io.converge.replication.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.ORSet;
import io.converge.replication.CausalToken;
import io.converge.replication.Consistency;
import io.converge.replication.Key;
import io.converge.replication.Replica;
import io.converge.replication.Written;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.transport.GrpcTransport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's examples, run: "embed a replica" (the same code for {@code us-east}, with a second
 * region {@code eu-west} for it to replicate to, certificates of a test CA in PEM files, and
 * loopback addresses instead of the README's host names), and "write consistency and
 * read-your-writes" (durable replicas, plaintext on loopback).
 */
final class ReadmeReplicaExampleIT {

  @Test
  void readmeExample_cartReplicatesToTheOtherRegion(@TempDir Path dir) throws Exception {
    TestCertificates ca = new TestCertificates("converge-readme-ca");
    Files.write(dir.resolve("ca.pem"), ca.caPem());
    for (String region : List.of("us-east", "eu-west")) {
      TestCertificates.Leaf leaf = ca.leaf(region);
      Files.write(dir.resolve(region + ".pem"), leaf.certPem());
      Files.write(dir.resolve(region + ".key"), leaf.keyPem());
    }
    Key<ORSet<String>> cart = Key.orSet("cart:alice", ElementCodec.strings());
    // eu-west has the smaller id: it dials us-east, so us-east must listen first.
    GrpcTransport transport =
        GrpcTransport.builder()
            .listen("127.0.0.1", 0)
            .peer("eu-west", "localhost:1") // not dialled: the smaller id dials
            .tls(dir.resolve("us-east.pem"), dir.resolve("us-east.key"), dir.resolve("ca.pem"))
            .build();
    List<Set<String>> seenInUs = new CopyOnWriteArrayList<>();
    try (Replica us =
        Replica.builder().replicaId("us-east").transport(transport).key(cart).start()) {
      GrpcTransport euTransport =
          GrpcTransport.builder()
              .listen("127.0.0.1", 0)
              .peer("us-east", "localhost:" + transport.port())
              .tls(dir.resolve("eu-west.pem"), dir.resolve("eu-west.key"), dir.resolve("ca.pem"))
              .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
              .build();
      try (Replica eu =
          Replica.builder().replicaId("eu-west").transport(euTransport).key(cart).start()) {
        us.subscribe(cart, c -> seenInUs.add(c.elements()));
        us.update(cart, c -> c.add(us.self(), "book"));
        Set<String> items = us.get(cart).elements();

        assertEquals(Set.of("book"), items);
        Await.until(
            Duration.ofSeconds(20),
            () -> "eu-west has " + eu.get(cart).elements(),
            () -> eu.get(cart).elements().equals(Set.of("book")));
        eu.update(cart, c -> c.add(eu.self(), "pen"));
        Await.until(
            Duration.ofSeconds(20),
            () -> "us-east saw " + seenInUs,
            () -> seenInUs.contains(Set.of("book", "pen")));
        assertTrue(seenInUs.contains(Set.of("book")), seenInUs::toString);
      }
    }
  }

  @Test
  void readmeConsistencyExample_quorumOrder_allCart_tokenReadInTheOtherRegion(@TempDir Path dir)
      throws Exception {
    Key<ORSet<String>> order = Key.orSet("order:42", ElementCodec.strings());
    Key<ORSet<String>> cart = Key.orSet("cart:alice", ElementCodec.strings());
    GrpcTransport transport =
        GrpcTransport.builder().listen("127.0.0.1", 0).plaintext().acceptFrom("eu-west").build();
    try (Replica us =
        Replica.builder()
            .replicaId("us-east")
            .transport(transport)
            .key(order)
            .key(cart)
            .dataDirectory(dir.resolve("us-east"))
            .consistency("order:", Consistency.QUORUM)
            .writeTimeout(Duration.ofSeconds(2))
            .start()) {
      GrpcTransport euTransport =
          GrpcTransport.builder()
              .listen("127.0.0.1", 0)
              .plaintext()
              .peer("us-east", "127.0.0.1:" + transport.port())
              .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
              .build();
      try (Replica eu =
          Replica.builder()
              .replicaId("eu-west")
              .transport(euTransport)
              .key(order)
              .key(cart)
              .dataDirectory(dir.resolve("eu-west"))
              .start()) {
        Await.until(
            Duration.ofSeconds(20),
            () -> "us-east peers " + us.peers(),
            () -> us.peers().containsKey(eu.self()) && us.peers().get(eu.self()).connected());

        assertEquals(Consistency.QUORUM, us.consistencyOf("order:42"));
        assertEquals(Consistency.LOCAL, us.consistencyOf("cart:alice"));
        us.update(order, o -> o.add(us.self(), "paid"));
        assertEquals(Set.of("paid"), eu.get(order).elements(), "QUORUM returned before eu-west");

        Written<ORSet<String>> w =
            us.write(cart, c -> c.add(us.self(), "book"), Consistency.ALL, Duration.ofSeconds(1));
        CausalToken token = w.token();
        String header = token.toString();
        ORSet<String> mine = eu.get(cart, CausalToken.parse(header), Duration.ofSeconds(2));
        assertEquals(Set.of("book"), mine.elements());

        // The README's writeAsync example: the future completes once a majority holds the write.
        ExecutorService requestExecutor = Executors.newSingleThreadExecutor();
        try {
          CompletableFuture<Written<ORSet<String>>> placed =
              us.writeAsync(
                  order,
                  o -> o.add(us.self(), "shipped"),
                  Consistency.QUORUM,
                  Duration.ofSeconds(2));
          CompletableFuture<String> response =
              placed.thenApplyAsync(written -> written.token().toString(), requestExecutor);
          CausalToken shipped = CausalToken.parse(response.get(20, TimeUnit.SECONDS));
          assertTrue(eu.hasSeen(shipped), "the QUORUM future completed before eu-west held it");
        } finally {
          requestExecutor.shutdownNow();
        }
      }
    }
  }
}
