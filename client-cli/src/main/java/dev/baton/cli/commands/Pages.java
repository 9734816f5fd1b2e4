package dev.baton.cli.commands;

import java.util.ArrayList;
import java.util.List;

/** Follows a list call's page tokens until the last page or a limit. */
final class Pages {
  /** The largest page the API serves. */
  static final int MAX_PAGE = 1000;

  /** One page: its items and the token of the next page (empty on the last). */
  record Page<T>(List<T> items, String nextToken) {}

  /** Fetches the page that starts at a token, asking for at most {@code pageSize} items. */
  interface Fetch<T> {
    Page<T> page(String token, int pageSize);
  }

  private Pages() {}

  /** What {@link #collect} gathered, and whether the server has more beyond the limit. */
  record Collected<T>(List<T> items, boolean more) {}

  /**
   * Every item, or the first {@code limit} when limit is above 0 (then {@code more} says whether others exist).
   */
  static <T> Collected<T> collect(int limit, Fetch<T> fetch) {
    List<T> all = new ArrayList<>();
    String token = "";
    while (true) {
      int pageSize = limit > 0 ? Math.min(limit - all.size(), MAX_PAGE) : MAX_PAGE;
      Page<T> page = fetch.page(token, pageSize);
      all.addAll(page.items());
      boolean lastPage = page.nextToken().isEmpty() || page.nextToken().equals(token);
      if (limit > 0 && all.size() >= limit) {
        return new Collected<>(new ArrayList<>(all.subList(0, limit)), all.size() > limit || !lastPage);
      }
      // A server that hands back the token it was given would loop forever: stop instead.
      if (lastPage) {
        return new Collected<>(all, false);
      }
      token = page.nextToken();
    }
  }

  /** Tells the user (on stderr, so that output for scripts stays clean) that the list stopped at the limit. */
  static void hintIfMore(Collected<?> collected, String what, java.io.PrintWriter err) {
    if (collected.more()) {
      err.println("(the first " + collected.items().size() + " " + what + "; more exist: --limit N for more, "
          + "--limit 0 for all)");
      err.flush();
    }
  }
}
