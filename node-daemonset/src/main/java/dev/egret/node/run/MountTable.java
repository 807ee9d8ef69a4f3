package dev.egret.node.run;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The mounts of a mount namespace, from {@code /proc/self/mountinfo}, in mount order. Parsing is pure. */
public final class MountTable {
    /**
     * One mount.
     *
     * @param mountPoint   where it is mounted
     * @param fsType       e.g. {@code cgroup2}, {@code cgroup}, {@code bpf}
     * @param superOptions the filesystem's own options, e.g. {@code rw,memory} for a cgroup v1 hierarchy
     */
    public record Mount(String mountPoint, String fsType, String superOptions) {
    }

    private MountTable() {
    }

    public static List<Mount> ofThisProcess() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
        }
    }

    /**
     * Parses mountinfo lines: {@code ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER}.
     * Lines that do not have that shape are skipped.
     */
    public static List<Mount> parse(List<String> lines) {
        List<Mount> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (dash < 0 || dash + 1 >= f.length) {
                continue;
            }
            String superOptions = dash + 3 < f.length ? f[dash + 3] : "";
            out.add(new Mount(unescape(f[4]), f[dash + 1], superOptions));
        }
        return out;
    }

    /** mountinfo escapes space, tab, newline and backslash as octal. */
    static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
