package io.converge.replication.transport;

import io.converge.clocks.HlcTimestamp;
import io.converge.replication.codec.WireLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Random;

/**
 * The settings of an {@link InMemoryNetwork.Builder}, checked as they are set: each setter refuses
 * a bad value with a message that names it, and {@link InMemoryNetwork.Builder} documents what each
 * one means. The network and its {@link MessageCarrier} read the fields once, while the network is
 * built, so that each network gets the settings of that moment and the builder may go on. Not
 * thread-safe, as the builder is not.
 */
final class NetworkSettings {

  long seed = new Random().nextLong();
  long minDelayNanos;
  long maxDelayNanos;
  double loss;
  double duplication;
  boolean reorder;
  int maxMessageBytes = WireLimits.DEFAULT_MAX_MESSAGE_BYTES;
  Instant startTime = InMemoryNetwork.DEFAULT_START_TIME;
  Duration reconnectDelay = InMemoryNetwork.Builder.DEFAULT_RECONNECT_DELAY;

  void seed(long seed) {
    this.seed = seed;
  }

  void delay(Duration min, Duration max) {
    Objects.requireNonNull(min, "min");
    Objects.requireNonNull(max, "max");
    if (min.isNegative() || min.compareTo(max) > 0) {
      throw new IllegalArgumentException(
          "delay must be 0 <= min <= max: min=" + min + ", max=" + max);
    }
    this.maxDelayNanos = max.toNanos();
    this.minDelayNanos = min.toNanos();
  }

  void loss(double probability) {
    this.loss = checkProbability("loss", probability);
  }

  void duplication(double probability) {
    this.duplication = checkProbability("duplication", probability);
  }

  void reorder(boolean reorder) {
    this.reorder = reorder;
  }

  void maxMessageBytes(int bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("maxMessageBytes must be >= 1: bytes=" + bytes);
    }
    this.maxMessageBytes = bytes;
  }

  void startTime(Instant startTime) {
    Objects.requireNonNull(startTime, "startTime");
    if (startTime.isBefore(Instant.EPOCH)
        || startTime.isAfter(Instant.ofEpochMilli(HlcTimestamp.MAX_PHYSICAL))) {
      throw new IllegalArgumentException(
          "startTime must be from the Unix epoch to MAX_PHYSICAL ms: startTime=" + startTime);
    }
    this.startTime = startTime;
  }

  void reconnectDelay(Duration delay) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("reconnectDelay must be >= 0: delay=" + delay);
    }
    this.reconnectDelay = delay;
  }

  private static double checkProbability(String name, double p) {
    if (!(p >= 0.0 && p <= 1.0)) {
      throw new IllegalArgumentException(
          name + " must be a probability in [0, 1]: " + name + "=" + p);
    }
    return p;
  }
}
