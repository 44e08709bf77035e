package io.countersign.audit;

/**
 * C2SP tlog-tiles paths: {@code tile/<L>/<N>[.p/<W>]} and {@code tile/entries/<N>[.p/<W>]}, with N
 * written in groups of three digits, all but the last prefixed by {@code x} (1234067 → x001/x234/067).
 *
 * @param level the tile level, or -1 for an entry bundle
 * @param width 256 for a full tile, 1..255 for a partial one
 */
public record TilePath(int level, long index, int width) {
    public static final int HEIGHT = 8;
    public static final int WIDTH = 1 << HEIGHT;
    public static final int ENTRIES = -1;

    public boolean isEntries() {
        return level == ENTRIES;
    }

    public String path() {
        StringBuilder path = new StringBuilder("tile/").append(isEntries() ? "entries" : Integer.toString(level)).append('/');
        path.append(encodeIndex(index));
        if (width < WIDTH) {
            path.append(".p/").append(width);
        }
        return path.toString();
    }

    static String encodeIndex(long n) {
        String digits = Long.toString(n);
        int pad = (3 - digits.length() % 3) % 3;
        digits = "0".repeat(pad) + digits;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < digits.length(); i += 3) {
            if (i > 0) {
                out.append('/');
            }
            if (i + 3 < digits.length()) {
                out.append('x');
            }
            out.append(digits, i, i + 3);
        }
        return out.toString();
    }

    /** Parses the part after {@code tile/}; throws IllegalArgumentException naming what is wrong. */
    public static TilePath parse(String rest) {
        String[] parts = rest.split("/", -1);
        if (parts.length < 2) {
            throw new IllegalArgumentException("a tile path is tile/<level>/<index>[.p/<width>]");
        }
        int level;
        if (parts[0].equals("entries")) {
            level = ENTRIES;
        } else if (parts[0].matches("[0-9]")) {
            level = Integer.parseInt(parts[0]);
        } else {
            throw new IllegalArgumentException("the tile level must be 0-9 or 'entries'");
        }
        int width = WIDTH;
        int last = parts.length;
        if (parts.length >= 3 && parts[parts.length - 2].endsWith(".p")) {
            String w = parts[parts.length - 1];
            if (!w.matches("[1-9][0-9]{0,2}") || Integer.parseInt(w) >= WIDTH) {
                throw new IllegalArgumentException("a partial tile's width must be 1 to 255");
            }
            width = Integer.parseInt(w);
            parts[parts.length - 2] = parts[parts.length - 2].substring(0, parts[parts.length - 2].length() - 2);
            last = parts.length - 1;
        }
        long index = 0;
        for (int i = 1; i < last; i++) {
            boolean isLast = i == last - 1;
            String group = parts[i];
            if (isLast ? !group.matches("[0-9]{3}") : !group.matches("x[0-9]{3}")) {
                throw new IllegalArgumentException("tile index groups are x000/…/000 (three digits, all but the last after an x)");
            }
            index = Math.multiplyExact(index, 1000) + Integer.parseInt(isLast ? group : group.substring(1));
        }
        if (last - 1 > 1 && parts[1].equals("x000")) {
            throw new IllegalArgumentException("tile index has a leading zero group");
        }
        return new TilePath(level, index, width);
    }
}
