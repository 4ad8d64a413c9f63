package io.converge.examples.gameday;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Watches a game day: remembers every acknowledged write (its causal token and when it was
 * acknowledged) and samples, every interval, which of them each region holds (the region's {@code
 * POST /tokens/seen}). From that it keeps the timeline of the report: per region, how many
 * acknowledged writes it holds and its replication lag, the age of the oldest acknowledged write it
 * does not hold yet (0 when it holds all); a region that does not answer has no sample.
 */
final class Observer implements AutoCloseable {

  /** An acknowledged write. */
  record Write(int id, String user, String what, String region, String token, long ackedAtMillis) {}

  /** One sample of one region; {@code held} and {@code lagMillis} are -1 if it did not answer. */
  record Sample(long atMillis, String region, int held, long lagMillis) {}

  /** A moment of the game day marked on the timeline. */
  record Event(long atMillis, String label) {}

  private static final int MAX_TOKENS_PER_QUERY = 500;

  private final Cluster cluster;
  private final RegionClient client;
  private final long startNanos = System.nanoTime();
  private final List<Write> writes = new ArrayList<>();
  private final Map<String, List<Write>> pending = new LinkedHashMap<>();
  private final List<Sample> samples = new ArrayList<>();
  private final List<Event> events = new ArrayList<>();
  private final ScheduledExecutorService sampler;

  Observer(Cluster cluster, RegionClient client, long intervalMillis) {
    this.cluster = cluster;
    this.client = client;
    Cluster.REGIONS.forEach(r -> pending.put(r, new ArrayList<>()));
    this.sampler =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "gameday-observer");
              thread.setDaemon(true);
              return thread;
            });
    sampler.scheduleWithFixedDelay(this::sampleQuietly, 0, intervalMillis, TimeUnit.MILLISECONDS);
  }

  /** Milliseconds since the observer started: the timeline's clock. */
  long millis() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /** Records an acknowledged write; returns it. */
  synchronized Write acknowledged(String user, String what, String region, String token) {
    Write write = new Write(writes.size() + 1, user, what, region, token, millis());
    writes.add(write);
    pending.values().forEach(list -> list.add(write));
    return write;
  }

  /** Marks a moment on the timeline. */
  synchronized void event(String label) {
    events.add(new Event(millis(), label));
  }

  private void sampleQuietly() {
    try {
      sample();
    } catch (RuntimeException e) {
      System.getLogger(Observer.class.getName())
          .log(System.Logger.Level.WARNING, "sampling failed", e);
    }
  }

  /** Samples every running region now. */
  void sample() {
    for (String region : Cluster.REGIONS) {
      sample(region);
    }
  }

  private void sample(String region) {
    List<Write> asked;
    synchronized (this) {
      List<Write> list = pending.get(region);
      asked = new ArrayList<>(list.subList(0, Math.min(list.size(), MAX_TOKENS_PER_QUERY)));
    }
    long at = millis();
    if (!cluster.isUp(region)) {
      record(new Sample(at, region, -1, -1));
      return;
    }
    List<Boolean> seen = new ArrayList<>();
    if (!asked.isEmpty()) {
      try {
        RegionClient.Answer answer =
            client.send(
                cluster.uri(region),
                "POST",
                "tokens/seen",
                Map.of("tokens", asked.stream().map(Write::token).toList()),
                Map.of());
        if (!answer.ok()) {
          record(new Sample(at, region, -1, -1));
          return;
        }
        for (JsonNode b : answer.body().get("seen")) {
          seen.add(b.asBoolean());
        }
      } catch (IOException e) {
        record(new Sample(at, region, -1, -1));
        return;
      }
    }
    synchronized (this) {
      List<Write> list = pending.get(region);
      for (int i = 0; i < asked.size(); i++) {
        if (seen.get(i)) {
          list.remove(asked.get(i));
        }
      }
      long lag = list.isEmpty() ? 0 : Math.max(0, at - list.get(0).ackedAtMillis());
      samples.add(new Sample(at, region, writes.size() - list.size(), lag));
    }
  }

  private synchronized void record(Sample sample) {
    samples.add(sample);
  }

  /** The acknowledged writes a region has not been seen to hold (as of the last sample). */
  synchronized List<Write> missing(String region) {
    return List.copyOf(pending.get(region));
  }

  /** Every acknowledged write so far. */
  synchronized List<Write> writes() {
    return List.copyOf(writes);
  }

  /** The carts (users) the acknowledged writes went to, in order of first write. */
  synchronized List<String> carts() {
    return writes.stream().map(Write::user).distinct().toList();
  }

  synchronized List<Sample> samples() {
    return List.copyOf(samples);
  }

  synchronized List<Event> events() {
    return List.copyOf(events);
  }

  /**
   * Samples until every given region holds every acknowledged write; returns how long that took in
   * milliseconds, or -1 at the deadline.
   */
  long awaitHeld(List<String> regions, long timeoutMillis) {
    long start = millis();
    while (true) {
      for (String region : regions) {
        sample(region);
      }
      boolean all;
      synchronized (this) {
        all = regions.stream().allMatch(r -> pending.get(r).isEmpty());
      }
      if (all) {
        return millis() - start;
      }
      if (millis() - start > timeoutMillis) {
        return -1;
      }
      Pause.millis(50);
    }
  }

  @Override
  public void close() {
    sampler.shutdownNow();
    try {
      sampler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
