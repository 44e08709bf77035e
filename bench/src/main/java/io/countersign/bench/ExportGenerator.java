package io.countersign.bench;

import io.countersign.events.AuditEvent;
import io.countersign.policy.Allow;
import io.countersign.policy.PolicyVersion;
import java.util.List;
import io.countersign.audit.AuditEntry;
import io.countersign.audit.Checkpoint;
import io.countersign.audit.LogKey;
import io.countersign.audit.Rfc6962;
import io.countersign.audit.RootBuilder;
import io.countersign.audit.SignedNote;
import io.countersign.events.ActionEvent;
import io.countersign.model.ActionId;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Writes a realistic export of COUNT entries (the {@code audit export --format jsonl} layout), its signed
 * checkpoint and the verifier key, for timing {@code countersign audit verify --entries}.
 * Usage: ExportGenerator DIR COUNT
 */
public final class ExportGenerator {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long count = Long.parseLong(args[1]);
        Files.createDirectories(dir);
        LogKey key = LogKey.generate("bench.countersign.local/log");
        RootBuilder tree = new RootBuilder();
        Instant start = Instant.parse("2026-11-01T00:00:00Z");
        try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("log.jsonl"), StandardCharsets.UTF_8)) {
            for (long i = 0; i < count; i++) {
                String digest = "sha256:" + Long.toHexString(i * 0x9E3779B97F4A7C15L).repeat(4);
                AuditEvent logged = switch ((int) (i % 4)) {
                    case 0 -> new AuditEvent.Requested(digest, "db.export", "postgres.table:prod/customers-" + (i % 1000),
                            "Export customers for the churn model, run " + i, null, null);
                    case 1 -> new AuditEvent.Decided(digest, new Allow(List.of("pii-export"), List.of(), new PolicyVersion("sha256:bench")),
                            "allowed", null);
                    case 2 -> new AuditEvent.Reviewed(digest, "alice", "approve", null);
                    default -> new AuditEvent.Approved(digest, "alice", null, null, null);
                };
                ActionEvent event = new ActionEvent(new ActionId("act_" + String.format("%032x", i / 4)),
                        i % 4 == 2 ? "alice" : "deploy-agent", start.plusMillis(i * 37), logged);
                byte[] entry = AuditEntry.encode(event);
                byte[] leaf = Rfc6962.leafHash(entry);
                tree.add(leaf);
                out.write("{\"index\":" + i + ",\"leaf_hash\":\"" + Rfc6962.base64(leaf) + "\",\"entry\":");
                out.write(new String(entry, StandardCharsets.UTF_8));
                out.write("}\n");
            }
        }
        Checkpoint checkpoint = new Checkpoint(key.name(), count, tree.root());
        Files.writeString(dir.resolve("log.checkpoint"), SignedNote.sign(checkpoint.body(), key));
        Files.writeString(dir.resolve("log.vkey"), key.verifierKey() + "\n");
        System.out.println("wrote " + count + " entries (" + Files.size(dir.resolve("log.jsonl")) / 1_000_000 + " MB) to " + dir);
    }
}
