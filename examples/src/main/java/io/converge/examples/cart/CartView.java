package io.converge.examples.cart;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What one region knows of a user's cart now.
 *
 * @param user the user id
 * @param items item id to quantity, in item order; only items with a quantity above zero
 * @param address the shipping address, if one was set
 * @param addressWriter the region whose address write won, if one was set
 * @param addressTimestamp the hybrid logical clock timestamp of that write (as text), if one was
 *     set
 */
public record CartView(
    String user,
    SortedMap<String, Long> items,
    Optional<String> address,
    Optional<String> addressWriter,
    Optional<String> addressTimestamp) {

  /**
   * Copies the items into an unmodifiable sorted map.
   *
   * @param user the user id
   * @param items the items
   * @param address the address
   * @param addressWriter the address's writer
   * @param addressTimestamp the address's timestamp
   * @throws NullPointerException if an argument is null
   */
  public CartView {
    Objects.requireNonNull(user, "user");
    items = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(items));
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(addressWriter, "addressWriter");
    Objects.requireNonNull(addressTimestamp, "addressTimestamp");
  }

  /**
   * Returns the total number of units in the cart.
   *
   * @return the sum of the quantities
   */
  public long units() {
    return items.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Returns the quantity of one item.
   *
   * @param item the item id
   * @return its quantity, 0 if it is not in the cart
   */
  public long quantity(String item) {
    return items.getOrDefault(item, 0L);
  }

  /**
   * Returns the items as a plain map (for JSON).
   *
   * @return the items
   */
  public Map<String, Long> itemMap() {
    return items;
  }
}
