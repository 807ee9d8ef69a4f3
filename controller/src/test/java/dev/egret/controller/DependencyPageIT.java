package dev.egret.controller;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dependency page in headless Chromium against a controller holding recorded events: the DOM after the script ran
 * shows the workload, its destinations and the circular marker; a screenshot shows the verdict colors.
 */
class DependencyPageIT {
    static final Map<String, int[]> COLORS = new LinkedHashMap<>();

    static {
        COLORS.put("allow", new int[]{0x2e, 0x7d, 0x32});
        COLORS.put("audit-deny", new int[]{0xef, 0x6c, 0x00});
        COLORS.put("deny", new int[]{0xc6, 0x28, 0x28});
        COLORS.put("circular", new int[]{0x6a, 0x1b, 0x9a});
    }

    static final String EVENTS = """
            [{"id":"p1","time":"2026-11-25T10:00:00Z","node":"node-a","workload":"egret/deploy-1","policy":"deploy",
              "kind":"dns","name":"api.github.com","verdict":"audit-deny"},
             {"id":"p2","time":"2026-11-25T10:00:01Z","node":"node-a","workload":"egret/deploy-1","policy":"deploy",
              "kind":"connect","name":"api.github.com","address":"140.82.112.3","port":443,"protocol":"tcp",
              "verdict":"audit-deny"},
             {"id":"p3","time":"2026-11-25T10:00:02Z","node":"node-a","workload":"egret/deploy-1","policy":"deploy",
              "kind":"connect","name":"registry.example.com","address":"192.0.2.4","port":443,"protocol":"tcp",
              "verdict":"allow","count":12},
             {"id":"p4","time":"2026-11-25T10:00:03Z","node":"node-a","workload":"egret/deploy-1","policy":"deploy",
              "kind":"connect","address":"198.51.100.9","port":5432,"protocol":"tcp","verdict":"deny"}]""";

    static List<String> chromium(Path profile, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile, "--window-size=1200,900", "--virtual-time-budget=10000"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static String run(List<String> cmd, Path stderr) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium finished");
        assertEquals(0, p.exitValue(), "chromium: " + Files.readString(stderr));
        return new String(out, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Pixels within a small distance of each color. */
    static Map<String, Integer> colorCounts(BufferedImage img) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        COLORS.keySet().forEach(k -> counts.put(k, 0));
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                for (Map.Entry<String, int[]> c : COLORS.entrySet()) {
                    int[] v = c.getValue();
                    if (Math.abs(r - v[0]) + Math.abs(g - v[1]) + Math.abs(b - v[2]) <= 24) {
                        counts.merge(c.getKey(), 1, Integer::sum);
                    }
                }
            }
        }
        return counts;
    }

    @Test
    void pageShowsTheWorkloadItsDestinationsVerdictColorsAndTheCircularMarker(@TempDir Path dir) throws Exception {
        try (ControllerProcess controller = new ControllerProcess(dir.resolve("data")).start()) {
            String token = controller.adminToken();
            assertEquals(201, controller.send("PUT", "/api/v1/policies/deploy", token, "application/json", """
                    {"apiVersion":"egret.dev/v1","kind":"EgressPolicy","metadata":{"name":"deploy"},
                     "spec":{"mode":"audit","egress":[{"toFQDNs":[{"matchName":"registry.example.com"}]}],
                             "protects":["*.github.com"]}}""").statusCode());
            assertEquals(200, controller.send("POST", "/api/v1/events", token, "application/json", EVENTS).statusCode());
            String page = controller.url("/ui/#token=" + token);

            String dom = run(chromium(Files.createDirectory(dir.resolve("profile-dom")), "--dump-dom", page),
                    dir.resolve("chromium-dom.err"));
            assertTrue(dom.contains("data-workload=\"egret/deploy-1\""), dom);
            for (String d : List.of("api.github.com", "registry.example.com", "198.51.100.9")) {
                assertTrue(dom.contains("data-destination=\"" + d + "\""), d + " in " + dom);
            }
            Matcher circular = Pattern.compile("<g class=\"destination ([a-z-]+) circular\" data-destination=\"([^\"]+)\"")
                    .matcher(dom);
            assertTrue(circular.find(), "a destination is marked circular: " + dom);
            assertEquals("api.github.com", circular.group(2));
            assertEquals("audit-deny", circular.group(1));
            assertTrue(dom.contains("class=\"circular-marker\""), "the dashed circular outline is drawn");
            assertTrue(dom.contains("⟲ circular"));
            assertTrue(dom.contains("1 circular"), "the workload's summary counts it");
            assertTrue(!dom.contains("Cannot load"), dom);

            Path png = dir.resolve("page.png");
            run(chromium(Files.createDirectory(dir.resolve("profile-shot")), "--screenshot=" + png, page),
                    dir.resolve("chromium-shot.err"));
            BufferedImage img = ImageIO.read(png.toFile());
            assertEquals(1200, img.getWidth());
            Map<String, Integer> counts = colorCounts(img);
            System.out.println("dependency page IT: pixels per verdict color " + counts);
            assertTrue(counts.get("allow") > 3000, "allow boxes are green: " + counts);
            assertTrue(counts.get("audit-deny") > 3000, "audit-deny boxes are orange: " + counts);
            assertTrue(counts.get("deny") > 3000, "deny boxes are red: " + counts);
            assertTrue(counts.get("circular") > 300, "the circular marker is purple: " + counts);
            keep(png);
        }
    }

    /** Leaves the screenshot in target/ for a person to look at. */
    private static void keep(Path png) throws IOException {
        Files.copy(png, Path.of("target", "dependency-page.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
