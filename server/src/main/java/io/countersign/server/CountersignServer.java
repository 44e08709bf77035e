package io.countersign.server;

import io.countersign.api.ActionRoutes;
import io.countersign.api.AuditRoutes;
import io.countersign.api.GrantRoutes;
import io.countersign.audit.LogFollower;
import io.countersign.audit.LogSubscriber;
import io.countersign.channels.ChatReviews;
import io.countersign.channels.ReviewChannel;
import io.countersign.channels.slack.SlackChannel;
import io.countersign.channels.teams.TeamsChannel;
import io.countersign.web.ConsoleRoutes;
import io.countersign.web.OidcSignIn;
import io.countersign.web.Sessions;
import io.countersign.web.SignInRoutes;
import io.countersign.web.WebSettings;
import io.countersign.connectors.Connectors;
import io.countersign.connectors.ConnectorsFile;
import io.countersign.connectors.ProxyExecution;
import io.countersign.grants.GrantKey;
import io.countersign.grants.Grants;
import io.countersign.webhooks.Callbacks;
import io.countersign.webhooks.CallbackDispatcher;
import io.countersign.webhooks.CallbackQueue;
import io.countersign.webhooks.WebhookRoute;
import io.countersign.audit.AuditLog;
import io.countersign.audit.Checkpointer;
import io.countersign.audit.LogKey;
import io.countersign.audit.LogKeyFile;
import io.countersign.api.Authenticator;
import io.countersign.api.ErrorMapper;
import io.countersign.identity.IdentitiesLoader;
import io.countersign.identity.Identities;
import io.countersign.json.Json;
import io.countersign.lifecycle.ActionService;
import io.countersign.lifecycle.ChangeFeed;
import io.countersign.lifecycle.IdentitiesKind;
import io.countersign.lifecycle.InventoryKind;
import io.countersign.lifecycle.PolicyKind;
import io.countersign.lifecycle.Reloader;
import io.countersign.identity.ActiveIdentities;
import io.countersign.inventory.Inventory;
import io.countersign.policy.Policy;
import io.countersign.api.McpRoutes;
import io.countersign.api.StatusRoutes;
import io.countersign.api.PolicyRoutes;
import io.countersign.api.ReportRoutes;
import io.countersign.inventory.ActiveInventory;
import io.countersign.inventory.InventoryLoader;
import io.countersign.policy.ActivePolicy;
import io.countersign.policy.PolicyLoader;
import io.countersign.storage.Storage;
import io.helidon.http.DirectHandler.EventType;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.DirectHandlers;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One Countersign node, wired by hand: settings, identities, policy, store, lifecycle service, HTTP
 * routes and the expiry sweeper. Everything the node runs is constructed here and nowhere else.
 */
public final class CountersignServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(CountersignServer.class.getName());

    /** The API description, read once from the YAML kept beside the routes it describes. */
    private static final byte[] OPENAPI = openApi();

    private final WebServer web;
    private final Storage store;
    private final ScheduledExecutorService sweeper;
    private final List<FileWatcher> watchers;
    private final Reloaders reloaders;
    private final ActivePolicy policy;
    private final Checkpointer checkpointer;
    private final ActionService actions;
    private final List<ReviewChannel> channels;
    /** What follows the log and delivers from it (log followers, the callback dispatcher), closed before the store. */
    private final List<AutoCloseable> background;
    private final String nodeId;
    private final String storeDescription;

    /** The reloaders of the three files a node watches, and the report that follows each reload. */
    private record Reloaders(Reloader<Policy> policy, Reloader<Inventory> inventory, Reloader<Identities> identities, NodeReport report) {
    }

    /** The review channels Countersign speaks; one not configured here answers 404 with a reason. */
    private static final List<String> CHANNEL_SYSTEMS = List.of("slack", "teams");
    /** How long a follower of the log waits for an append it has not heard of (appends wake it at once). */
    private static final Duration FOLLOWER_IDLE = Duration.ofMillis(100);

    /**
     * Mounts each channel's routes under {@code /v1/channels/<system>}; a channel not configured here, or one
     * whose clicks do not come over HTTP, answers 404 saying why.
     */
    private static void channelRoutes(io.helidon.webserver.http.HttpRouting.Builder rules, List<ReviewChannel> channels) {
        for (String system : CHANNEL_SYSTEMS) {
            ReviewChannel channel = channels.stream().filter(c -> c.system().equals(system)).findFirst().orElse(null);
            io.helidon.webserver.http.HttpService routes = channel == null ? notConfigured("this channel is not configured on this server")
                    : channel.routes().orElseGet(() -> notConfigured(channel.withoutRoutes()));
            rules.register("/v1/channels/" + system, routes);
        }
    }

    private static io.helidon.webserver.http.HttpService notConfigured(String why) {
        return notConfigured("channel_not_configured", why);
    }

    private static io.helidon.webserver.http.HttpService notConfigured(String code, String why) {
        return rules -> rules.any((req, res) ->
                io.countersign.api.JsonResponses.sendError(res, io.helidon.http.Status.NOT_FOUND_404, code, null, why));
    }

    private CountersignServer(WebServer web, Storage store, ScheduledExecutorService sweeper, List<FileWatcher> watchers, Reloaders reloaders,
                              ActivePolicy policy, Checkpointer checkpointer, ActionService actions,
                              List<ReviewChannel> channels, List<AutoCloseable> background, String nodeId, String storeDescription) {
        this.web = web;
        this.store = store;
        this.sweeper = sweeper;
        this.watchers = watchers;
        this.reloaders = reloaders;
        this.policy = policy;
        this.checkpointer = checkpointer;
        this.actions = actions;
        this.channels = channels;
        this.background = background;
        this.nodeId = nodeId;
        this.storeDescription = storeDescription;
    }

    /**
     * Starts a node on {@code host:port} (port 0 picks a free one) with the configuration in {@code directory}.
     * Refuses to start, with a message naming the file and the fault, when identities or policy are invalid.
     */
    public static CountersignServer start(Path directory, String host, int port, Clock clock) {
        return start(directory, host, port, null, clock);
    }

    /** @param nodeId this node's name in a cluster; null for the host name and port */
    public static CountersignServer start(Path directory, String host, int port, String nodeId, Clock clock) {
        ServerSettings settings = ServerSettings.load(directory);
        ActiveIdentities identities = new ActiveIdentities(IdentitiesLoader.load(settings.identitiesFile()));
        ActivePolicy policy = new ActivePolicy(new PolicyLoader(identities.get().groups()).load(settings.policyDirectory()));
        ActiveInventory inventory = new ActiveInventory(InventoryLoader.load(settings.resourcesFile()));
        Grants grants = new Grants(GrantKey.loadOrCreate(settings.grantKeyFile()), settings.grantTtl());
        Connectors connectors = ConnectorsFile.load(settings.connectorsFile(), System::getenv);
        // A node on a port picked at random (tests, tools) gets a name of its own: the port is not known yet.
        String node = nodeId != null ? nodeId : hostName() + ":" + (port != 0 ? Integer.toString(port)
                : "any-" + java.util.HexFormat.of().toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextInt()));
        Storage store = settings.store().open(node);
        try {
            return start(settings, identities, policy, inventory, grants, connectors, store, host, port, node, clock);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Everything that needs the open store; the caller closes it if this fails. */
    private static CountersignServer start(ServerSettings settings, ActiveIdentities identities, ActivePolicy policy,
                                           ActiveInventory inventory, Grants grants, Connectors connectors, Storage store, String host,
                                           int port, String node, Clock clock) {
        LogKey logKey = LogKeyFile.loadOrCreate(settings.auditKeyFile(), settings.auditOrigin());
        Checkpointer checkpointer = Checkpointer.start(logKey, store.auditLog(), settings.auditCheckpointFile(), clock);
        AuditLog auditLog = new AuditLog(store.auditLog(), checkpointer);
        ChangeFeed changes = new ChangeFeed();
        // Changes made by other nodes of a cluster wake this node's waiters too.
        store.subscribe(changes::changed);
        Callbacks callbacks = settings.callbacks();
        ActionService actions = new ActionService(store, store, () -> policy, inventory, clock, changes, identities, settings.limits(),
                List.of(connectors::checkSubmitted, request -> callbacks.check(request.callbackUrl())), grants);
        ProxyExecution proxy = new ProxyExecution(actions, connectors);
        // Each file is reloaded the same way: validated in full, swapped in one step, recorded in the log.
        Reloader<Policy> reloader = new Reloader<>(new PolicyKind(
                () -> new PolicyLoader(identities.get().groups()).load(settings.policyDirectory()), policy, actions), store, clock);
        Reloader<Inventory> inventoryReloader = new Reloader<>(new InventoryKind(() -> InventoryLoader.load(settings.resourcesFile()),
                inventory, actions, policy), store, clock);
        Reloader<Identities> identitiesReloader = new Reloader<>(new IdentitiesKind(() -> IdentitiesLoader.load(settings.identitiesFile()),
                identities, actions, policy), store, clock);
        Authenticator authenticator = new Authenticator(identities, clock);
        ActionRoutes actionRoutes = new ActionRoutes(actions, auditLog, grants, proxy, authenticator, settings.maxBodyBytes(), settings.maxWait(), clock);
        GrantRoutes grantRoutes = new GrantRoutes(grants, actions, authenticator, settings.maxBodyBytes(), clock);
        PolicyRoutes policyRoutes = new PolicyRoutes(policy, inventory, reloader, identities, authenticator, settings.maxBodyBytes(), clock);
        StatusRoutes statusRoutes = new StatusRoutes(store.nodes(), store, authenticator, clock);
        McpRoutes mcpRoutes = new McpRoutes(store.toolPins(), authenticator, settings.maxBodyBytes(), clock);
        ReportRoutes reportRoutes = new ReportRoutes(store, store, policy, authenticator, clock);
        AuditRoutes auditRoutes = new AuditRoutes(auditLog, authenticator);
        // Every review channel is registered here, and nowhere else.
        List<ReviewChannel> channels = new ArrayList<>();
        if (settings.slack() != null) {
            channels.add(new SlackChannel(settings.slack(), actions, store.replays(), identities, clock));
        }
        if (settings.teams() != null) {
            channels.add(new TeamsChannel(settings.teams(), actions, store.replays(), identities, clock));
        }
        WebSettings webSettings = settings.web();
        Sessions sessions = new Sessions(store.sessions(), webSettings.sessionTtl(), clock, identities, webSettings);
        OidcSignIn oidc = webSettings.oidc() == null ? null
                : new OidcSignIn(webSettings.oidc(), webSettings.publicUrl(), identities, store.signIns(), clock);
        SignInRoutes signIn = new SignInRoutes(webSettings, sessions, oidc, identities, clock);
        ConsoleRoutes console = new ConsoleRoutes(actions, auditLog, store.auditLog(), logKey.verifierKey(), policy, reloader, sessions, clock);
        io.countersign.web.ConsoleLink consoleLink = new io.countersign.web.ConsoleLink(webSettings.publicUrl());
        // The AWS API and Kubernetes admission paths: each call or change an action like any other.
        io.countersign.aws.AwsGateway awsGateway = settings.aws() == null ? null : new io.countersign.aws.AwsGateway(settings.aws(),
                io.countersign.aws.AwsKeys.loadOrCreate(io.countersign.aws.AwsKeys.file(settings.directory())), identities,
                new io.countersign.channels.ReplayGuard(store.replays(), "aws-sigv4"), new io.countersign.aws.AwsUpstream(settings.aws(), clock),
                actions, inventory, consoleLink, clock);
        io.helidon.webserver.http.HttpService aws = awsGateway != null ? awsGateway
                : notConfigured("not_configured", "the AWS gateway is not configured on this server (countersign.yaml: aws)");
        io.helidon.webserver.http.HttpService kubernetes = settings.kubernetes() == null
                ? notConfigured("not_configured", "the Kubernetes admission webhook is not configured on this server (countersign.yaml: kubernetes)")
                : new io.countersign.kubernetes.AdmissionWebhook(settings.kubernetes(), actions, identities, authenticator, consoleLink);
        reloader.started();
        inventoryReloader.started();
        identitiesReloader.started();
        NodeReport report = new NodeReport(store.nodes(), node, store::leads, policy, identities, inventory, clock);

        io.countersign.api.RequestBodies.deadline(settings.bodyTimeout());
        var directErrors = ErrorMapper.direct();
        WebServer web = WebServer.builder()
                .host(host)
                .port(port)
                // The limit itself is the routes' (RequestBodies): they read a body over it to its end, so the
                // client, still writing, gets its 413 instead of a reset (HTTP/1.1 §9.6). Only a body declared far
                // larger is cut off here at once, connection and all.
                .maxPayloadSize(Math.max(16L * settings.maxBodyBytes(), 16L * 1024 * 1024))
                // A connection that sends no request for this long is closed, so idle clients do not pile up.
                .idleConnectionTimeout(settings.idleTimeout())
                .idleConnectionPeriod(java.time.Duration.ofSeconds(1))
                .directHandlers(DirectHandlers.builder()
                        .addHandler(EventType.BAD_REQUEST, directErrors)
                        .addHandler(EventType.PAYLOAD_TOO_LARGE, directErrors)
                        .build())
                .routing(routing -> routing
                        .get("/healthz", (req, res) -> {
                            var body = Json.object();
                            if (!store.healthy()) {
                                // Nothing can be stored now: until a restart after a failed SQLite commit (it may
                                // have lost writes), or until PostgreSQL answers again.
                                res.status(io.helidon.http.Status.SERVICE_UNAVAILABLE_503);
                                body.put("status", "store_unavailable");
                                res.header(io.helidon.http.HeaderValues.CONTENT_TYPE_JSON);
                                res.send(Json.bytes(body));
                                return;
                            }
                            body.put("status", "ok");
                            body.put("policy_version", policy.version().value());
                            body.put("node", node);
                            // Whether this node runs the background work (one node of a cluster does).
                            body.put("leads", store.leads());
                            res.header(io.helidon.http.HeaderValues.CONTENT_TYPE_JSON);
                            res.send(Json.bytes(body));
                        })
                        .register("/v1/actions", actionRoutes)
                        .register("/v1/policy", policyRoutes)
                        .register("/v1/reports", reportRoutes)
                        .register("/v1/audit", auditRoutes)
                        .register("/v1/grants", grantRoutes)
                        .register("/v1/status", statusRoutes)
                        .register("/v1/mcp", mcpRoutes)
                        .register("/v1/delegations", new io.countersign.api.DelegationRoutes(actions.delegations(), authenticator,
                                settings.maxBodyBytes(), clock))
                        .register("/v1/integrations/kubernetes", kubernetes)
                        .register("/aws", aws)
                        .post("/", (req, res) -> {
                            if (awsGateway != null && io.countersign.aws.AwsGateway.isSigned(req)) {
                                awsGateway.call(req, res);
                            } else {
                                ErrorMapper.noRoute(req, res);
                            }
                        })
                        .update(rules -> channelRoutes(rules, channels))
                        .get("/v1/openapi.json", (req, res) -> {
                            res.header(io.helidon.http.HeaderValues.CONTENT_TYPE_JSON);
                            res.send(OPENAPI);
                        })
                        .get("/.well-known/jwks.json", (req, res) -> {
                            res.header(io.helidon.http.HeaderValues.CONTENT_TYPE_JSON);
                            res.send(Json.bytes(Json.MAPPER.valueToTree(grants.jwks())));
                        })
                        .register(signIn, console)
                        .error(Throwable.class, ErrorMapper::handle)
                        .any(ErrorMapper::noRoute))
                .build();
        web.start();
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("countersign-expiry").daemon(true).factory());
        every(sweeper, Duration.ofSeconds(1), Level.WARNING, "the expiry sweep", () -> {
            if (store.leads()) {
                actions.expireOverdue();
            }
        });
        // Reminders and escalations of held requests: on the node that leads, on the store's records and this clock.
        every(sweeper, Duration.ofSeconds(5), Level.WARNING, "reminding and escalating held requests", () -> {
            if (store.leads()) {
                actions.nudgeDue();
            }
        });
        // Every node: each keeps its own count of refused attempts, written once a minute per principal and reason.
        every(sweeper, Duration.ofSeconds(5), Level.WARNING, "writing the summaries of refused attempts", actions::flushRefusedAttempts);
        // A checkpoint a second at most: entries are durable at once, and signed soon after.
        // Every node signs: the tree is shared, and the same key signs the same size and root to the same bytes.
        every(sweeper, Duration.ofSeconds(1), Level.ERROR, "signing a checkpoint", checkpointer::sign);
        // What this node runs on, for GET /v1/status: every few seconds, and at once after each reload.
        every(sweeper, NodeReport.PERIOD, Level.WARNING, "reporting this node's status", report::send);
        report.send();
        String inventoryFile = settings.resourcesFile().getFileName().toString();
        String identitiesFile = settings.identitiesFile().getFileName().toString();
        List<FileWatcher> watchers = List.of(
                FileWatcher.start("policy", settings.policyDirectory(), name -> name.endsWith(".yaml") || name.endsWith(".yml"),
                        trigger -> report.after(reloader.reload(trigger))),
                FileWatcher.start("inventory", settings.resourcesFile().toAbsolutePath().getParent(), inventoryFile::equals,
                        trigger -> report.after(inventoryReloader.reload(trigger))),
                FileWatcher.start("identities", settings.identitiesFile().toAbsolutePath().getParent(), identitiesFile::equals,
                        trigger -> report.after(identitiesReloader.reload(trigger))));
        // Everything that follows the audit log: webhook endpoints, callbacks, and each review channel.
        List<LogSubscriber> subscribers = new ArrayList<>(WebhookRoute.of(settings.webhooks(), store.webhooks(), checkpointer.origin(), clock));
        CallbackDispatcher callbackDispatcher = null;
        if (!callbacks.allowed().isEmpty()) {
            callbackDispatcher = CallbackDispatcher.start(callbacks, store.callbacks(), store.auditLog(), checkpointer.origin(), store::leads, clock);
            subscribers.add(new CallbackQueue(callbacks, id -> store.find(id).map(record -> record.request().callbackUrl()), store.callbacks(),
                    callbackDispatcher::wake, clock));
        }
        for (ReviewChannel channel : channels) {
            subscribers.add(new ChatReviews(channel, store::find, store.chatMessages(), store.cursors(), clock));
            channel.start();
        }
        List<LogFollower> followers = subscribers.stream()
                .map(subscriber -> LogFollower.start(subscriber, store.auditLog(), store.cursors(), FOLLOWER_IDLE, store::leads))
                .toList();
        List<AutoCloseable> background = new ArrayList<>(followers);
        if (callbackDispatcher != null) {
            background.add(callbackDispatcher);
        }
        return new CountersignServer(web, store, sweeper, watchers, new Reloaders(reloader, inventoryReloader, identitiesReloader, report),
                policy, checkpointer, actions, channels, background, node, settings.store().describe());
    }

    /** Runs {@code work} every {@code period}; a failure is logged and the next round tries again. */
    private static void every(ScheduledExecutorService sweeper, Duration period, Level level, String what, Runnable work) {
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                work.run();
            } catch (RuntimeException e) {
                LOG.log(level, what + " failed; trying again in " + period.toSeconds() + " s", e);
            }
        }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /** This node's name in a cluster. */
    public String nodeId() {
        return nodeId;
    }

    /** Where this node keeps its state, without secrets. */
    public String storeDescription() {
        return storeDescription;
    }

    public int port() {
        return web.port();
    }

    private static byte[] openApi() {
        try (var in = io.countersign.api.ActionRoutes.class.getResourceAsStream("openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml is missing from the build");
            }
            return Json.bytes(io.countersign.yaml.Yaml.parse("openapi.yaml",
                    new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public ActionService actions() {
        return actions;
    }

    public Storage store() {
        return store;
    }

    public Checkpointer checkpointer() {
        return checkpointer;
    }

    public ActivePolicy policy() {
        return policy;
    }

    /** Reloads the resource inventory now, as the watcher does when the file changes. */
    public Reloader.Result reloadInventory(String trigger) {
        return reloaders.report().after(reloaders.inventory().reload(trigger));
    }

    /** Reloads the policy directory now, as the watcher does when files change. */
    public Reloader.Result reloadPolicy(String trigger) {
        return reloaders.report().after(reloaders.policy().reload(trigger));
    }

    /** Reloads the identities file now, as the watcher does when it changes. */
    public Reloader.Result reloadIdentities(String trigger) {
        return reloaders.report().after(reloaders.identities().reload(trigger));
    }

    @Override
    public void close() {
        // Lets each follower finish the entry in hand, so what it posted is also recorded.
        for (AutoCloseable work : background) {
            try {
                work.close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "stopping " + work + " failed", e);
            }
        }
        channels.forEach(ReviewChannel::close);
        watchers.forEach(FileWatcher::close);
        sweeper.shutdownNow();
        // No approved command outlives the node that ran it.
        ProxyExecution.endRunningCommands();
        web.stop();
        store.close();
    }
}
