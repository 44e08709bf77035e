package io.countersign.policy;

import java.time.Duration;
import java.util.List;

/**
 * Hold the action until the quorum approves.
 *
 * @param ttl    how long the request may stay pending before it expires
 * @param channels channels to announce the request on ({@code slack:C0PROD}, {@code teams:ops})
 */
public record RequireApproval(List<String> rules, List<String> controls, Quorum quorum, Duration ttl,
                              Justification justification, List<String> channels, PolicyVersion version)
        implements Decision {
    public RequireApproval {
        rules = List.copyOf(rules);
        controls = List.copyOf(controls);
        channels = List.copyOf(channels);
    }
}
