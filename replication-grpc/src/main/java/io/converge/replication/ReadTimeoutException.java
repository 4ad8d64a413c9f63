package io.converge.replication;

import java.io.Serial;
import java.time.Duration;
import java.util.Set;

/**
 * A {@linkplain Replica#get(Key, CausalToken, Duration) read with a causal token} timed out: the
 * replica had not seen every write of the token. The writes are not lost: they are on their way
 * (replication lag), or their region is down or cut off from this one, and they arrive once it
 * heals (or from a third region that has them). Retry later, read from the writer's region, or
 * accept the value without them from {@link Replica#get(Key)}.
 */
public final class ReadTimeoutException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  private final transient Set<String> unseenKeys;

  ReadTimeoutException(String replica, int unseen, int writes, Set<String> unseenKeys, String why) {
    super(
        replica
            + " has not seen "
            + unseen
            + " of the "
            + writes
            + " writes of the causal token, to keys "
            + unseenKeys
            + ", "
            + why
            + "; they are not lost: they are on their way, or their region is down or cut off");
    this.unseenKeys = Set.copyOf(unseenKeys);
  }

  /**
   * Returns the keys of the token's writes that the replica had not seen.
   *
   * @return an immutable set of key names
   */
  public Set<String> unseenKeys() {
    return unseenKeys;
  }
}
