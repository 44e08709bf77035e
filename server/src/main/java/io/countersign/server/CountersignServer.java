package io.countersign.server;

import io.countersign.api.ActionRoutes;
import io.countersign.api.Authenticator;
import io.countersign.api.ErrorMapper;
import io.countersign.identity.IdentitiesLoader;
import io.countersign.identity.Identities;
import io.countersign.json.Json;
import io.countersign.lifecycle.ActionService;
import io.countersign.lifecycle.ChangeFeed;
import io.countersign.policy.Policy;
import io.countersign.policy.PolicyEngine;
import io.countersign.policy.PolicyLoader;
import io.countersign.store.ActionStore;
import io.countersign.store.sqlite.SqliteStore;
import io.helidon.http.DirectHandler.EventType;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.DirectHandlers;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One Countersign node, wired by hand: settings, identities, policy, store, lifecycle service, HTTP
 * routes and the expiry sweeper. Everything the node runs is constructed here and nowhere else.
 */
public final class CountersignServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CountersignServer.class.getName());

    private final WebServer web;
    private final ActionStore store;
    private final ScheduledExecutorService sweeper;
    private final Policy policy;

    private CountersignServer(WebServer web, ActionStore store, ScheduledExecutorService sweeper, Policy policy) {
        this.web = web;
        this.store = store;
        this.sweeper = sweeper;
        this.policy = policy;
    }

    /**
     * Starts a node on {@code host:port} (port 0 picks a free one) with the configuration in {@code directory}.
     * Refuses to start, with a message naming the file and the fault, when identities or policy are invalid.
     */
    public static CountersignServer start(Path directory, String host, int port, Clock clock) {
        ServerSettings settings = ServerSettings.load(directory);
        Identities identities = IdentitiesLoader.load(settings.identitiesFile());
        Policy policy = new PolicyLoader(identities.groups()).load(settings.policyDirectory());
        ActionStore store = SqliteStore.open(settings.sqliteFile());
        ActionService actions = new ActionService(store, () -> (PolicyEngine) policy, clock, new ChangeFeed());
        Authenticator authenticator = new Authenticator(() -> identities);
        ActionRoutes actionRoutes = new ActionRoutes(actions, authenticator, settings.maxBodyBytes(), settings.maxWait());

        var directErrors = ErrorMapper.direct();
        WebServer web = WebServer.builder()
                .host(host)
                .port(port)
                .maxPayloadSize(settings.maxBodyBytes())
                .directHandlers(DirectHandlers.builder()
                        .addHandler(EventType.BAD_REQUEST, directErrors)
                        .addHandler(EventType.PAYLOAD_TOO_LARGE, directErrors)
                        .build())
                .routing(routing -> routing
                        .get("/healthz", (req, res) -> {
                            var body = Json.object();
                            body.put("status", "ok");
                            body.put("policy_version", policy.version().value());
                            res.header(io.helidon.http.HeaderValues.CONTENT_TYPE_JSON);
                            res.send(Json.bytes(body));
                        })
                        .register("/v1/actions", actionRoutes)
                        .error(Throwable.class, ErrorMapper::handle)
                        .any(ErrorMapper::noRoute))
                .build();
        try {
            web.start();
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("countersign-expiry").daemon(true).factory());
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                actions.expireOverdue();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "expiry sweep failed; retrying", e);
            }
        }, 1, 1, TimeUnit.SECONDS);
        return new CountersignServer(web, store, sweeper, policy);
    }

    public int port() {
        return web.port();
    }

    public Policy policy() {
        return policy;
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        web.stop();
        store.close();
    }
}
