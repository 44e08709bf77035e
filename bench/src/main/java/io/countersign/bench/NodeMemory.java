package io.countersign.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A node process's resident set (from /proc) and its heap in use after a full GC (jcmd GC.run, then GC.heap_info). */
record NodeMemory(long rssBytes, long heapBytes) {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    static NodeMemory of(long pid, String jcmd) throws IOException, InterruptedException {
        run(jcmd, String.valueOf(pid), "GC.run");
        Matcher used = USED.matcher(run(jcmd, String.valueOf(pid), "GC.heap_info"));
        long heap = used.find() ? Long.parseLong(used.group(1)) * 1024 : -1;
        long rss = Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) * 1024).findFirst().orElse(-1);
        return new NodeMemory(rss, heap);
    }

    long rssMiB() {
        return rssBytes >> 20;
    }

    long heapMiB() {
        return heapBytes >> 20;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        return out;
    }
}
