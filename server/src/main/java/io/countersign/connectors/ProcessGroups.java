package io.countersign.connectors;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The process groups the exec connector starts commands in: each command runs in a new session (by
 * {@code setsid}), so that it and everything it starts, including what it leaves running in the background
 * after it exits, is one group; the group is killed on every way a run ends (success, failure, timeout, a
 * stopped node), so no approved command leaves a process behind. A process that makes a session of its own
 * ({@code setsid}, a daemon's double fork) leaves the group: only an OS-level sandbox (a cgroup) holds that.
 */
final class ProcessGroups {
    private static final System.Logger LOG = System.getLogger(ProcessGroups.class.getName());
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final Path KILL = Path.of("/bin/kill");
    /** Groups of commands still running, killed if the node stops first. */
    private static final Set<Long> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ProcessGroups::killAll, "countersign-exec-groups"));
    }

    private ProcessGroups() {
    }

    /** Whether commands can be put in groups of their own here. */
    static boolean available() {
        return Files.isExecutable(SETSID) && Files.isExecutable(KILL);
    }

    /** {@code command}, run as the leader of a new session and process group (its pid is the group's id). */
    static List<String> inNewGroup(List<String> command) {
        if (!available()) {
            return command;
        }
        List<String> grouped = new java.util.ArrayList<>(command.size() + 1);
        grouped.add(SETSID.toString());
        grouped.addAll(command);
        return grouped;
    }

    static void started(Process process) {
        if (available()) {
            LIVE.add(process.pid());
        }
    }

    /** Kills every process left in the group of {@code process} (its own pid), and forgets the group. */
    static void end(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (LIVE.remove(process.pid())) {
            killGroup(process.pid());
        }
    }

    /** Every group still running: the node is stopping. */
    static void killAll() {
        for (Long group : Set.copyOf(LIVE)) {
            LIVE.remove(group);
            killGroup(group);
        }
    }

    private static void killGroup(long group) {
        try {
            Process kill = new ProcessBuilder(KILL.toString(), "-KILL", "--", "-" + group)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not end the process group " + group + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
