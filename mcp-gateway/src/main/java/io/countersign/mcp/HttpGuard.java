package io.countersign.mcp;

import io.countersign.json.ErrorBody;
import io.countersign.json.Json;
import io.countersign.json.ActionDigest;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import tools.jackson.databind.node.ObjectNode;

/**
 * Who may use the gateway's Streamable HTTP endpoint. The gateway acts as the agent, with the agent's
 * Countersign key, so every request must carry that same key ({@code Authorization: Bearer …}): reaching
 * the port is not enough to act as the agent, even from another user of the same machine or, bound to
 * another address, from the network. And a web page elsewhere cannot drive it through the user's browser:
 * an {@code Origin} other than this address, or a {@code Host} that is not it (DNS rebinding), is refused.
 * Bound to every address ({@code 0.0.0.0}, {@code ::}), the names agents reach it by are not known here:
 * any {@code Host} is served, and the key alone admits; a browser's request is still refused by its
 * {@code Origin}. Refusals are JSON, in Countersign's one error shape.
 */
final class HttpGuard implements Filter {
    private final byte[] keyDigest;
    private final String host;
    private final IntSupplier port;
    private final boolean everyAddress;

    /** @param port the port bound, once known (0 may be asked for) */
    HttpGuard(String key, String host, IntSupplier port) {
        this.keyDigest = sha256(key);
        this.host = host;
        this.port = port;
        this.everyAddress = host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    @Override
    public void doFilter(ServletRequest servletRequest, ServletResponse servletResponse, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) servletRequest;
        HttpServletResponse response = (HttpServletResponse) servletResponse;
        List<String> ours = addresses();
        String origin = request.getHeader("Origin");
        if (origin != null && ours.stream().noneMatch(h -> origin.equalsIgnoreCase("http://" + h) || origin.equalsIgnoreCase("https://" + h))) {
            refuse(response, 403, "forbidden", "requests from " + origin + " are not accepted");
            return;
        }
        String requestHost = request.getHeader("Host");
        if (requestHost != null && !everyAddress && ours.stream().noneMatch(requestHost::equalsIgnoreCase)) {
            refuse(response, 403, "forbidden", "this gateway does not serve the host " + requestHost);
            return;
        }
        String authorization = request.getHeader("Authorization");
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"countersign-mcp\"");
            refuse(response, 401, "unauthenticated", "send the agent's Countersign API key: Authorization: Bearer <key>");
            return;
        }
        // Digests of equal length, compared in constant time: the key's length and bytes stay unknown to a guesser.
        if (!MessageDigest.isEqual(keyDigest, sha256(authorization.substring(7).strip()))) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"countersign-mcp\", error=\"invalid_token\"");
            refuse(response, 401, "unauthenticated", "that is not the key this gateway acts with");
            return;
        }
        chain.doFilter(request, response);
    }

    private List<String> addresses() {
        int bound = port.getAsInt();
        List<String> ours = new ArrayList<>(List.of(host + ":" + bound));
        if (host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1") || host.equals("[::1]")) {
            ours.addAll(List.of("127.0.0.1:" + bound, "localhost:" + bound, "[::1]:" + bound));
        }
        return ours;
    }

    private static void refuse(HttpServletResponse response, int status, String code, String message) throws IOException {
        ObjectNode body = ErrorBody.of(code, null, message);
        response.setStatus(status);
        response.setContentType("application/json");
        response.getOutputStream().write(Json.bytes(body));
    }

    private static byte[] sha256(String text) {
        return ActionDigest.sha256(text.getBytes(StandardCharsets.UTF_8));
    }
}
