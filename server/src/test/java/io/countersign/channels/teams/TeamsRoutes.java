package io.countersign.channels.teams;

import io.helidon.webserver.http.HttpService;

/** The Teams endpoint's routes, without anything behind them: for tests that only list routes. */
public final class TeamsRoutes {
    private TeamsRoutes() {
    }

    public static HttpService unwired() {
        return new TeamsMessages(null, null, null, null);
    }
}
