package org.sakd.cluster;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Where a cluster node listens and whom it joins; {@link ClusterConfig#node} turns it into Pekko
 * settings.
 *
 * @param host the address other nodes reach this one at (and the one it binds to); {@code
 *     127.0.0.1} for a single machine
 * @param port the remoting port; 0 = any free port (read the bound one from {@code
 *     Cluster.get(system).selfMember().address()})
 * @param seedNodes nodes to join, as {@code host:port} or full {@code pekko://sakd@host:port}
 *     addresses; empty = join nobody at start (the bootstrap joins the node to itself or to an
 *     address it learns later)
 * @param roles cluster roles of this node (e.g. "coordinator", "trainer")
 * @param tls TLS settings, or null for plain TCP
 * @param overrides extra HOCON that wins over everything {@link ClusterConfig} sets ("" for none)
 */
public record NodeSpec(
    String host, int port, List<String> seedNodes, List<String> roles, Tls tls, String overrides) {

  public NodeSpec {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host is blank: give an address such as 127.0.0.1");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "port " + port + " is not in 0..65535 (0 = any free port)");
    }
    seedNodes = List.copyOf(seedNodes == null ? List.of() : seedNodes);
    roles = List.copyOf(roles == null ? List.of() : roles);
    overrides = overrides == null ? "" : overrides;
  }

  /** A node on loopback at {@code port} (0 = any) joining {@code seedNodes}, no roles, no TLS. */
  public static NodeSpec loopback(int port, List<String> seedNodes) {
    return new NodeSpec("127.0.0.1", port, seedNodes, List.of(), null, "");
  }

  public NodeSpec withRoles(List<String> newRoles) {
    return new NodeSpec(host, port, seedNodes, newRoles, tls, overrides);
  }

  public NodeSpec withTls(Tls newTls) {
    return new NodeSpec(host, port, seedNodes, roles, newTls, overrides);
  }

  public NodeSpec withOverrides(String hocon) {
    return new NodeSpec(host, port, seedNodes, roles, tls, hocon);
  }

  /**
   * Artery's {@code tls-tcp} transport: this node's key (server and client side: mutual
   * authentication is on) and the certificates it trusts, both Java key stores (JKS or PKCS12).
   */
  public record Tls(
      Path keyStore,
      String keyStorePassword,
      String keyPassword,
      Path trustStore,
      String trustStorePassword) {

    public Tls {
      Objects.requireNonNull(keyStore, "keyStore");
      Objects.requireNonNull(trustStore, "trustStore");
      Objects.requireNonNull(keyStorePassword, "keyStorePassword");
      Objects.requireNonNull(keyPassword, "keyPassword");
      Objects.requireNonNull(trustStorePassword, "trustStorePassword");
    }

    /**
     * Reads {@code key-store}, {@code key-store-password}, {@code key-password} (default: the key
     * store's password), {@code trust-store}, {@code trust-store-password} from {@code c} (e.g. a
     * recipe's {@code cluster.tls} block, where passwords can come from the environment: {@code
     * key-store-password = ${?SAKD_TLS_PASSWORD}}).
     */
    public static Tls from(Config c) {
      String keyStorePassword = c.getString("key-store-password");
      return new Tls(
          Path.of(c.getString("key-store")),
          keyStorePassword,
          c.hasPath("key-password") ? c.getString("key-password") : keyStorePassword,
          Path.of(c.getString("trust-store")),
          c.getString("trust-store-password"));
    }

    @Override
    public String toString() {
      // passwords stay out of logs
      return "Tls[keyStore=" + keyStore + ", trustStore=" + trustStore + "]";
    }
  }
}
