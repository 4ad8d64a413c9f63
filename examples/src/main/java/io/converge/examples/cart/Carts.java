package io.converge.examples.cart;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.ORMap;
import io.converge.replication.CausalToken;
import io.converge.replication.Consistency;
import io.converge.replication.Key;
import io.converge.replication.Replica;
import io.converge.replication.Written;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Users' shopping carts held in a {@link Replica}: every region runs one and serves its users from
 * it, and the replicas converge.
 *
 * <p>A cart is two keys per user, both Converge types, so the merge is the library's, never ad hoc:
 *
 * <ul>
 *   <li>{@code cart/<user>/items}: an {@link ORMap} from item id to {@link CausalCounter}, the
 *       quantity. Adds made concurrently in two regions both count (3 + 2 = 5 units). A remove (or
 *       a clear) takes away what the region serving it had seen of the item, and nothing else: an
 *       add made concurrently in another region survives, with exactly its own quantity. Changing a
 *       quantity is recorded as the difference from what the serving region saw (2 to 3 is +1), so
 *       two concurrent changes from 2 to 3 give 4. An item whose merged quantity is zero or less is
 *       not in the cart; adding it again starts from zero.
 *   <li>{@code cart/<user>/address}: an {@link LWWRegister} of the shipping address, ordered by the
 *       hybrid logical clock timestamp of each write (then by region): the write that happened last
 *       wins, even when a region's wall clock is ahead, because a region that saw another's write
 *       stamps its own after it.
 * </ul>
 *
 * <p>Every input is validated before anything is written ({@link CartException} names the bad
 * value); a cart holds at most {@value #MAX_ITEMS} distinct items.
 *
 * <p>This class is thread-safe.
 */
public final class Carts {

  /** The prefix of every cart key. */
  public static final String PREFIX = "cart/";

  /** The most distinct items a cart holds. */
  public static final int MAX_ITEMS = 100;

  /** The largest quantity of one item, and of one add. */
  public static final long MAX_QUANTITY = 1_000;

  /** The longest address, in characters. */
  public static final int MAX_ADDRESS_LENGTH = 300;

  /** The form of user and item ids: 1 to 64 letters, digits, '.', '_' or '-'. */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private static final String ITEMS = "/items";
  private static final String ADDRESS = "/address";

  private final Replica replica;
  private final ReplicaId self;
  private final Duration writeTimeout;

  /**
   * Serves carts from a replica whose builder declared the cart keys with {@link #declare}.
   *
   * @param replica the region's replica
   * @param writeTimeout how long a {@code QUORUM} or {@code ALL} write waits for acknowledgements
   * @throws NullPointerException if an argument is null
   */
  public Carts(Replica replica, Duration writeTimeout) {
    this.replica = Objects.requireNonNull(replica, "replica");
    this.self = replica.self();
    this.writeTimeout = Objects.requireNonNull(writeTimeout, "writeTimeout");
  }

  /**
   * Declares the cart keys on a replica's builder, so that the replica accepts them from peers.
   *
   * @param builder the builder
   * @return the builder
   */
  public static Replica.Builder declare(Replica.Builder builder) {
    return builder.keyFamily(PREFIX, Carts::keyOfName);
  }

  /**
   * Returns the key of a user's items.
   *
   * @param user the user id
   * @return the key
   * @throws CartException if the user id is not valid
   */
  public static Key<ORMap<String, CausalCounter>> itemsKey(String user) {
    return Key.orMap(
        PREFIX + checkId("user", user) + ITEMS, ElementCodec.strings(), CrdtCodec.causalCounter());
  }

  /**
   * Returns the key of a user's address.
   *
   * @param user the user id
   * @return the key
   * @throws CartException if the user id is not valid
   */
  public static Key<LWWRegister<String>> addressKey(String user) {
    return Key.lwwRegister(PREFIX + checkId("user", user) + ADDRESS, ElementCodec.strings());
  }

  /** The key of a cart key's name, or null if the name is not one (a peer's unknown key). */
  private static Key<?> keyOfName(String name) {
    String rest = name.substring(PREFIX.length());
    if (rest.endsWith(ITEMS)) {
      String user = rest.substring(0, rest.length() - ITEMS.length());
      return ID.matcher(user).matches() ? itemsKey(user) : null;
    }
    if (rest.endsWith(ADDRESS)) {
      String user = rest.substring(0, rest.length() - ADDRESS.length());
      return ID.matcher(user).matches() ? addressKey(user) : null;
    }
    return null;
  }

  /**
   * Returns what this region knows of a user's cart now.
   *
   * @param user the user id
   * @return the cart
   * @throws CartException if the user id is not valid
   */
  public CartView view(String user) {
    return view(user, replica.get(itemsKey(user)), replica.get(addressKey(user)));
  }

  /**
   * Returns a user's cart once this region has seen every write of {@code after}: the user reads
   * their own writes, wherever they made them.
   *
   * @param user the user id
   * @param after the token of the user's writes
   * @param timeout how long to wait at most
   * @return the cart
   * @throws CartException if the user id is not valid
   * @throws io.converge.replication.ReadTimeoutException if the writes did not arrive in time
   * @throws IllegalArgumentException if the token names keys this region does not know
   */
  public CartView view(String user, CausalToken after, Duration timeout) {
    ORMap<String, CausalCounter> items = replica.get(itemsKey(user), after, timeout);
    LWWRegister<String> address = replica.get(addressKey(user), after, Duration.ZERO);
    return view(user, items, address);
  }

  private static CartView view(
      String user, ORMap<String, CausalCounter> items, LWWRegister<String> address) {
    Map<String, Long> quantities = new TreeMap<>();
    items
        .toMap()
        .forEach(
            (item, counter) -> {
              long quantity = counter.value();
              if (quantity > 0) {
                quantities.put(item, quantity);
              }
            });
    return new CartView(
        user,
        new TreeMap<>(quantities),
        address.value(),
        address.writer().map(ReplicaId::name),
        address.timestamp().map(Object::toString));
  }

  /**
   * Adds units of an item: concurrent adds in other regions add up.
   *
   * @param user the user id
   * @param item the item id
   * @param quantity 1 to {@value #MAX_QUANTITY}
   * @param consistency how many regions must hold the write before this returns
   * @return the cart after the write, and the write's token
   * @throws CartException if an input is not valid, or the cart is full
   * @throws io.converge.replication.WriteTimeoutException if a {@code QUORUM}/{@code ALL} write was
   *     not acknowledged in time (it is applied here and will replicate)
   */
  public Result add(String user, String item, long quantity, Consistency consistency) {
    checkId("item", item);
    checkQuantity(quantity, 1);
    return updateItem(
        user,
        item,
        consistency,
        counter -> {
          long quantityHere = Math.max(0, counter.value()) + quantity;
          if (quantityHere > MAX_QUANTITY) {
            throw CartException.invalid(
                "quantity of "
                    + item
                    + " would be "
                    + quantityHere
                    + ", more than "
                    + MAX_QUANTITY);
          }
          return startFromZero(counter).add(self, quantity);
        });
  }

  /**
   * Sets the quantity of an item as this region sees it, recording the difference: 0 removes it.
   *
   * @param user the user id
   * @param item the item id
   * @param quantity 0 to {@value #MAX_QUANTITY}
   * @param consistency how many regions must hold the write before this returns
   * @return the cart after the write, and the write's token
   * @throws CartException if an input is not valid, or the cart is full
   * @throws io.converge.replication.WriteTimeoutException if the write was not acknowledged in time
   */
  public Result setQuantity(String user, String item, long quantity, Consistency consistency) {
    checkId("item", item);
    checkQuantity(quantity, 0);
    if (quantity == 0) {
      return remove(user, item, consistency);
    }
    return updateItem(
        user,
        item,
        consistency,
        counter -> {
          CausalCounter base = startFromZero(counter);
          return base.add(self, quantity - base.value());
        });
  }

  /**
   * Removes an item: what this region saw of it, not an add made concurrently elsewhere.
   *
   * @param user the user id
   * @param item the item id
   * @param consistency how many regions must hold the write before this returns
   * @return the cart after the write, and the write's token
   * @throws CartException if an input is not valid
   * @throws io.converge.replication.WriteTimeoutException if the write was not acknowledged in time
   */
  public Result remove(String user, String item, Consistency consistency) {
    checkId("item", item);
    return writeItems(user, consistency, items -> items.remove(self, item));
  }

  /**
   * Empties the cart of every item this region has seen; an item added concurrently in another
   * region (not yet seen here) stays.
   *
   * @param user the user id
   * @param consistency how many regions must hold the write before this returns
   * @return the cart after the write, and the write's token
   * @throws CartException if the user id is not valid
   * @throws io.converge.replication.WriteTimeoutException if the write was not acknowledged in time
   */
  public Result clear(String user, Consistency consistency) {
    return writeItems(user, consistency, items -> items.clear(self));
  }

  /**
   * Sets the shipping address; the write with the latest hybrid logical clock timestamp wins.
   *
   * @param user the user id
   * @param address 1 to {@value #MAX_ADDRESS_LENGTH} characters, no control characters
   * @param consistency how many regions must hold the write before this returns
   * @return the cart after the write, and the write's token
   * @throws CartException if an input is not valid
   * @throws io.converge.replication.WriteTimeoutException if the write was not acknowledged in time
   */
  public Result setAddress(String user, String address, Consistency consistency) {
    checkAddress(address);
    Written<LWWRegister<String>> written =
        replica.write(
            addressKey(user),
            register -> register.set(address, replica.clock(), self),
            Objects.requireNonNull(consistency, "consistency"),
            writeTimeout);
    return new Result(view(user, replica.get(itemsKey(user)), written.value()), written.token());
  }

  private Result writeItems(
      String user, Consistency consistency, UnaryOperator<ORMap<String, CausalCounter>> change) {
    Written<ORMap<String, CausalCounter>> written =
        replica.write(
            itemsKey(user),
            change,
            Objects.requireNonNull(consistency, "consistency"),
            writeTimeout);
    return new Result(view(user, written.value(), replica.get(addressKey(user))), written.token());
  }

  /** Changes one item's counter; a new item must fit in the cart. */
  private Result updateItem(
      String user, String item, Consistency consistency, UnaryOperator<CausalCounter> change) {
    return writeItems(
        user,
        consistency,
        items -> {
          checkRoom(user, items, item);
          return items.update(self, item, change);
        });
  }

  /** A counter whose merged value is not positive is an item not in the cart: start from zero. */
  private CausalCounter startFromZero(CausalCounter counter) {
    return counter.value() <= 0 ? counter.reset(self) : counter;
  }

  private static void checkRoom(String user, ORMap<String, CausalCounter> items, String item) {
    if (items.getOrZero(item).value() > 0) {
      return;
    }
    long present = items.toMap().values().stream().filter(c -> c.value() > 0).count();
    if (present >= MAX_ITEMS) {
      throw new CartException(
          CartException.Kind.CONFLICT,
          "the cart of "
              + user
              + " is full: "
              + present
              + " items, at most "
              + MAX_ITEMS
              + "; cannot add "
              + item);
    }
  }

  /**
   * Checks an id (user or item).
   *
   * @param what what the id names, for the message
   * @param id the id
   * @return the id
   * @throws CartException if it is null or not of the form {@link #ID}
   */
  public static String checkId(String what, String id) {
    if (id == null || !ID.matcher(id).matches()) {
      throw CartException.invalid(
          what
              + " id must be 1 to 64 letters, digits, '.', '_' or '-': "
              + (id == null ? "missing" : quote(id)));
    }
    return id;
  }

  private static void checkQuantity(long quantity, long min) {
    if (quantity < min || quantity > MAX_QUANTITY) {
      throw CartException.invalid(
          "quantity must be in [" + min + ", " + MAX_QUANTITY + "]: " + quantity);
    }
  }

  private static void checkAddress(String address) {
    if (address == null || address.isBlank()) {
      throw CartException.invalid("address must not be empty: " + quote(address));
    }
    if (address.length() > MAX_ADDRESS_LENGTH) {
      throw CartException.invalid(
          "address must have at most "
              + MAX_ADDRESS_LENGTH
              + " characters: it has "
              + address.length());
    }
    for (int i = 0; i < address.length(); i++) {
      if (Character.isISOControl(address.charAt(i))) {
        throw CartException.invalid(
            "address must not contain control characters: U+"
                + String.format("%04X", (int) address.charAt(i))
                + " at index "
                + i);
      }
    }
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return "\"" + shown + "\"";
  }

  /**
   * The result of a write: the cart as the serving region sees it right after, and the write's
   * causal token (a read with it elsewhere waits until that region has the write).
   *
   * @param cart the cart after the write
   * @param token the write's token
   */
  public record Result(CartView cart, CausalToken token) {

    /**
     * Checks the components.
     *
     * @param cart the cart
     * @param token the token
     * @throws NullPointerException if an argument is null
     */
    public Result {
      Objects.requireNonNull(cart, "cart");
      Objects.requireNonNull(token, "token");
    }
  }
}
