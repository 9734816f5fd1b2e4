package dev.baton.ops;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A listen address, {@code host:port}.
 *
 * @param host name or IP literal
 * @param port 0..65535; 0 picks a free port
 */
public record HostPort(String host, int port) {
  /** @throws IllegalArgumentException if {@code text} is not host:port */
  public static HostPort parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("'" + text + "' is not host:port");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' has no numeric port");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is out of range 0-65535");
    }
    return new HostPort(host, port);
  }

  /** Whether {@code text}'s host resolves to a loopback address only. */
  public static boolean isLoopback(String text) {
    String host = parse(text).host();
    if (host.equals("localhost")) {
      return true;
    }
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
