package io.converge.examples.gameday;

import com.fasterxml.jackson.databind.JsonNode;
import io.converge.examples.region.Region;
import io.converge.examples.router.CartRouter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Simulated users: one thread each, adding a new item to their own carts through the router, one
 * request at a time with a short think time between, with a chosen write consistency (user {@code
 * u} fills carts {@code u.0}, {@code u.1}, ..., {@value #ITEMS_PER_CART} items each, routed by
 * {@code u}'s home). Every acknowledged add (a 2xx answer) goes to the {@link Observer}; every
 * attempt is kept, for RTO.
 */
final class Shoppers implements AutoCloseable {

  /**
   * One request of a user: when it was sent and answered (timeline ms), whether it succeeded,
   * where.
   */
  record Attempt(
      String user, long sentMillis, long atMillis, boolean ok, String region, String detail) {}

  /** How many items a user adds to one cart before starting the next. */
  static final int ITEMS_PER_CART = 50;

  private final CartRouter router;
  private final Observer observer;
  private final List<String> users;
  private final String consistency;
  private final long thinkMillis;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();
  private final List<Attempt> attempts = new ArrayList<>();

  Shoppers(
      CartRouter router,
      Observer observer,
      List<String> users,
      String consistency,
      long thinkMillis) {
    this.router = router;
    this.observer = observer;
    this.users = List.copyOf(users);
    this.consistency = consistency;
    this.thinkMillis = thinkMillis;
    for (String user : users) {
      Thread thread = new Thread(() -> shop(user), "shopper-" + user);
      thread.setDaemon(true);
      threads.add(thread);
      thread.start();
    }
  }

  private void shop(String user) {
    int n = 0;
    while (running.get()) {
      n++;
      String item = consistency.toLowerCase(java.util.Locale.ROOT) + "-" + n;
      // A new cart every ITEMS_PER_CART adds: a cart holds at most Carts.MAX_ITEMS items.
      String cart = user + "." + ((n - 1) / ITEMS_PER_CART);
      String body = RegionClient.json(Map.of("item", item, "quantity", 1));
      long sent = observer.millis();
      try {
        CartRouter.Response response =
            router.send(
                user,
                "POST",
                "/carts/" + cart + "/items",
                body,
                Map.of(Region.CONSISTENCY_HEADER, consistency));
        if (response.ok()) {
          String token = response.header(Region.TOKEN_HEADER).orElseThrow();
          observer.acknowledged(cart, item, response.region(), token);
          record(new Attempt(user, sent, observer.millis(), true, response.region(), ""));
        } else {
          JsonNode error = RegionClient.parse(response.body()).get("error");
          record(
              new Attempt(
                  user,
                  sent,
                  observer.millis(),
                  false,
                  response.region(),
                  response.status() + " " + (error == null ? "" : error.asText())));
        }
      } catch (CartRouter.NoHealthyRegionException | CartRouter.UncertainResultException e) {
        record(new Attempt(user, sent, observer.millis(), false, "", e.getClass().getSimpleName()));
      }
      Pause.millis(thinkMillis);
    }
  }

  private synchronized void record(Attempt attempt) {
    attempts.add(attempt);
  }

  synchronized List<Attempt> attempts() {
    return List.copyOf(attempts);
  }

  List<String> users() {
    return users;
  }

  /**
   * The recovery time of a user after {@code fromMillis}: until their first acknowledged write
   * answered after it; -1 if none.
   */
  long recoveryMillis(String user, long fromMillis) {
    for (Attempt a : attempts()) {
      if (a.user().equals(user) && a.ok() && a.atMillis() >= fromMillis) {
        return a.atMillis() - fromMillis;
      }
    }
    return -1;
  }

  /** Stops the users and waits for their last requests. */
  @Override
  public void close() {
    running.set(false);
    for (Thread thread : threads) {
      try {
        thread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
