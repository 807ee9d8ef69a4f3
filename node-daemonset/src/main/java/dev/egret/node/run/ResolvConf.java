package dev.egret.node.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The nameservers of a resolv.conf, the DNS proxy's default upstreams. */
public final class ResolvConf {
    private ResolvConf() {
    }

    public static List<String> nameservers(Path file) {
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                String[] f = line.strip().split("\\s+");
                if (f.length >= 2 && f[0].equals("nameserver")) {
                    out.add(f[1].contains(":") ? "[" + f[1] + "]:53" : f[1] + ":53");
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        return out;
    }
}
