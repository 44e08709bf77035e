package io.countersign.cli;

import java.util.function.Function;
import java.util.Optional;
import io.countersign.yaml.ConfigException;
import io.countersign.model.Principal;
import io.countersign.identity.IdentitiesLoader;
import io.countersign.client.JsonApi;
import io.countersign.sdk.Countersign;
import io.countersign.audit.LogKey;
import io.countersign.audit.LogProblem;
import io.countersign.audit.LogVerifier;
import io.countersign.audit.NoteVerifier;
import io.countersign.audit.OcsfEvent;
import io.countersign.audit.ProofVerifier;
import io.countersign.audit.Rfc6962;
import io.countersign.audit.SignedCheckpoint;
import io.countersign.audit.SignedNote;
import io.countersign.audit.TlogProof;
import io.countersign.json.Json;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

@Command(name = "audit", description = "The verifiable audit log: its key, checkpoint, proofs, offline verification and export.",
        subcommands = {AuditCommand.Key.class, AuditCommand.CheckpointCmd.class, AuditCommand.Verify.class,
                AuditCommand.Export.class, AuditCommand.Proof.class})
final class AuditCommand extends CommandGroup {
    @Command(name = "key", description = "Print the log's verifier key (give it to auditors and witnesses).")
    static final class Key implements Callable<Integer> {
        @Option(names = "--config", defaultValue = "countersign-config", description = "Configuration directory (default ${DEFAULT-VALUE})")
        Path config;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            Path file = config.resolve("audit").resolve("log.key");
            if (!Files.isRegularFile(file)) {
                spec.commandLine().getErr().println("countersign: no audit log key at " + file
                        + "; `countersign serve --config " + config + "` creates it on first start");
                return ExitCode.ERROR;
            }
            try {
                LogKey key = LogKey.parse(Files.readString(file, StandardCharsets.US_ASCII));
                spec.commandLine().getOut().println(key.verifierKey());
                return ExitCode.OK;
            } catch (IOException | IllegalArgumentException e) {
                spec.commandLine().getErr().println("countersign: " + file + ": " + e.getMessage());
                return ExitCode.ERROR;
            }
        }
    }

    @Command(name = "checkpoint", description = "Print the log's latest signed checkpoint (save it to check consistency later).")
    static final class CheckpointCmd extends ClientCommand {
        @Override
        int run(JsonApi api) {
            out().print(new ServerLog(api).checkpoint());
            out().flush();
            return ExitCode.OK;
        }
    }

    @Command(name = "verify", description = {"Recompute every leaf hash and the root of the log and check them against a signed checkpoint.",
            "Reads the log from --server (tlog-tiles), or offline from an export (--entries with --checkpoint).",
            "With --older, also checks that the log still contains that earlier checkpoint's tree.",
            "With --proof, checks one tlog-proof file instead."})
    static final class Verify extends ClientCommand {
        @Option(names = "--key", required = true, description = "The log's verifier key, or a file holding it (from `countersign audit key`)")
        String key;

        @Option(names = "--entries", description = "An export made by `countersign audit export --format jsonl`")
        Path entries;

        @Option(names = "--checkpoint", description = "The signed checkpoint to verify against (default: the server's latest)")
        Path checkpoint;

        @Option(names = "--older", description = "A checkpoint seen earlier; the log must still extend it")
        Path older;

        @Option(names = "--proof", description = "Verify this .tlog-proof file (offline) instead of the whole log")
        Path proof;

        @Override
        int run(JsonApi api) {
            try {
                NoteVerifier verifier = verifierKey(key);
                if (proof != null) {
                    return verifyProof(verifier);
                }
                ServerLog server = new ServerLog(api);
                if (entries != null && checkpoint == null) {
                    return usage("--entries needs --checkpoint (the checkpoint saved with the export)");
                }
                SignedCheckpoint current = open(checkpoint != null ? read(checkpoint) : server.checkpoint(), verifier, "checkpoint");
                List<io.countersign.audit.Checkpoint> signed = new ArrayList<>(List.of(current.checkpoint()));
                SignedCheckpoint earlier = null;
                if (older != null) {
                    earlier = open(read(older), verifier, "older checkpoint");
                    if (earlier.size() > current.size()) {
                        throw new LogProblem(current.size(), "the checkpoint (size " + current.size() + ") is smaller than one already seen (size "
                                + earlier.size() + "): the log was rolled back");
                    }
                    signed.add(earlier.checkpoint());
                }
                LogVerifier log = new LogVerifier(signed);
                LogSource source = entries != null ? new ExportFile(entries) : server;
                source.entries(current.size(), log::accept);
                byte[] root = log.finish();
                if (earlier != null && entries == null) {
                    checkConsistencyProof(api, earlier, current);
                }
                out().println("verified: log " + current.checkpoint().origin() + ", " + log.size() + " entries, root " + Rfc6962.base64(root)
                        + (earlier == null ? "" : "; contains the earlier checkpoint of size " + earlier.size()));
                out().flush();
                return ExitCode.OK;
            } catch (LogProblem e) {
                err().println("countersign: audit verify FAILED: " + e.getMessage() + (e.index() >= 0 ? " (first bad index: " + e.index() + ")" : ""));
                err().flush();
                return ExitCode.ERROR;
            } catch (IllegalArgumentException e) {
                return usage(e.getMessage());
            }
        }

        private int verifyProof(NoteVerifier verifier) throws LogProblem {
            TlogProof parsed;
            try {
                parsed = TlogProof.parse(read(proof));
            } catch (IllegalArgumentException e) {
                throw new LogProblem(-1, proof + ": " + e.getMessage());
            }
            try {
                var checkpointed = parsed.verify(verifier, null);
                JsonNode entry = Json.parse(parsed.entryText());
                out().println("verified: entry " + parsed.index() + " (" + entry.path("type").asString() + " of "
                        + entry.path("action_id").asString("-") + " at " + entry.path("time").asString() + ") is in log "
                        + checkpointed.origin() + " at size " + checkpointed.size());
                out().flush();
                return ExitCode.OK;
            } catch (ProofVerifier.ProofException e) {
                throw new LogProblem(parsed.index(), e.getMessage());
            }
        }

        private void checkConsistencyProof(JsonApi api, SignedCheckpoint earlier, SignedCheckpoint current) throws LogProblem {
            JsonApi.Answer answer = api.get("v1/audit/proof/consistency?from=" + earlier.size() + "&to=" + current.size(), Duration.ofMinutes(1));
            if (!answer.ok()) {
                throw new LogProblem(-1, "the server gave no consistency proof: " + answer.errorMessage());
            }
            List<byte[]> hashes = new ArrayList<>();
            answer.body().path("hashes").values().forEach(h -> hashes.add(Rfc6962.fromBase64(h.asString())));
            try {
                ProofVerifier.verifyConsistency(earlier.size(), current.size(), earlier.checkpoint().root(), current.checkpoint().root(), hashes);
            } catch (ProofVerifier.ProofException e) {
                throw new LogProblem(-1, "consistency proof: " + e.getMessage());
            }
        }

        private int usage(String message) {
            err().println("countersign: audit verify: " + message);
            err().flush();
            return ExitCode.USAGE;
        }
    }

    @Command(name = "export", description = {"Export the log up to its latest checkpoint for a SIEM or an auditor.",
            "jsonl: one {index, leaf_hash, entry} record per line, verifiable with `audit verify --entries`;",
            "ocsf: OCSF 1.8.0 API Activity (6003) events carrying log origin, index and leaf hash."})
    static final class Export extends ClientCommand {
        @Option(names = "--format", defaultValue = "jsonl", description = "jsonl or ocsf (default ${DEFAULT-VALUE})")
        String format;

        @Option(names = {"-o", "--output"}, description = "File to write (default: standard output)")
        Path output;

        @Option(names = "--checkpoint", description = "Also save the signed checkpoint the export ends at to this file")
        Path checkpointFile;

        @Option(names = "--identities", description = "The server's identities file: who each principal is (human, agent, service), for the OCSF actor")
        Path identities;

        @Override
        int run(JsonApi api) {
            if (!format.equals("jsonl") && !format.equals("ocsf")) {
                err().println("countersign: audit export: --format must be jsonl or ocsf, not '" + format + "'");
                err().flush();
                return ExitCode.USAGE;
            }
            Function<String, Optional<Principal>> known = id -> Optional.empty();
            if (identities != null) {
                try {
                    known = IdentitiesLoader.load(identities)::byId;
                } catch (ConfigException e) {
                    err().println("countersign: audit export: " + e.getMessage());
                    err().flush();
                    return ExitCode.USAGE;
                }
            }
            Function<String, Optional<Principal>> principals = known;
            ServerLog server = new ServerLog(api);
            String note = server.checkpoint();
            io.countersign.audit.Checkpoint checkpoint = io.countersign.audit.Checkpoint.parse(note.substring(0, note.lastIndexOf("\n\n") + 1));
            try (Writer writer = output == null ? new NonClosing(out()) : Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                server.entries(checkpoint.size(), (index, entry, leafHash) -> {
                    String line = format.equals("jsonl") ? ExportFile.record(index, entry)
                            : Json.text(OcsfEvent.of(checkpoint.origin(), index, entry, checkpoint.size(), principals));
                    try {
                        writer.write(line);
                        writer.write('\n');
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                if (checkpointFile != null) {
                    Files.writeString(checkpointFile, note);
                }
            } catch (IOException | UncheckedIOException e) {
                err().println("countersign: audit export: " + e.getMessage());
                err().flush();
                return ExitCode.ERROR;
            } catch (LogProblem e) {
                err().println("countersign: audit export: " + e.getMessage());
                err().flush();
                return ExitCode.ERROR;
            }
            if (output != null) {
                err().println("exported " + checkpoint.size() + " entries of " + checkpoint.origin() + " to " + output);
                err().flush();
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "proof", description = "Fetch the C2SP tlog-proof that an action's decision is in the log.")
    static final class Proof extends ClientCommand {
        @Parameters(index = "0", paramLabel = "ACTION_ID")
        String id;

        @Option(names = {"-o", "--output"}, description = "File to write (default: standard output)")
        Path output;

        @Option(names = "--key", description = "Verify the proof with this verifier key (or file) before writing it")
        String key;

        @Override
        int run(JsonApi api) {
            Countersign.Answer answer = api.getRaw(idPath(id) + "/proof", Duration.ofSeconds(30));
            if (!answer.ok()) {
                err().println("countersign: " + answer.errorMessage());
                err().flush();
                return ExitCode.ERROR;
            }
            String text = new String(answer.body(), StandardCharsets.UTF_8);
            if (key != null) {
                try {
                    var checkpoint = TlogProof.parse(text).verify(verifierKey(key), null);
                    err().println("verified: in log " + checkpoint.origin() + " at size " + checkpoint.size());
                } catch (ProofVerifier.ProofException | IllegalArgumentException e) {
                    err().println("countersign: the server's proof does not verify: " + e.getMessage());
                    err().flush();
                    return ExitCode.ERROR;
                }
            }
            try {
                if (output != null) {
                    Files.writeString(output, text);
                } else {
                    out().print(text);
                }
            } catch (IOException e) {
                err().println("countersign: cannot write " + output + ": " + e.getMessage());
                return ExitCode.ERROR;
            }
            out().flush();
            err().flush();
            return ExitCode.OK;
        }
    }

    static NoteVerifier verifierKey(String value) {
        String text = value;
        Path path = Path.of(value);
        if (!value.contains("+") || Files.isRegularFile(path)) {
            if (!Files.isRegularFile(path)) {
                throw new IllegalArgumentException("--key must be a verifier key (<name>+<id>+<key>) or a file holding one");
            }
            text = read(path);
        }
        return NoteVerifier.parse(text);
    }

    static SignedCheckpoint open(String note, NoteVerifier key, String what) throws LogProblem {
        try {
            return SignedCheckpoint.open(note, key);
        } catch (SignedNote.NoteException e) {
            throw new LogProblem(-1, what + ": " + e.getMessage());
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Lets try-with-resources close a file but not the command's standard output. */
    private static final class NonClosing extends Writer {
        private final PrintWriter out;

        NonClosing(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void write(char[] buffer, int offset, int length) {
            out.write(buffer, offset, length);
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            out.flush();
        }
    }
}
