package dev.egret.k8s;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths in the Egret source tree, found from the {@code egret.root} system property the build sets. */
final class Repo {
    private Repo() {
    }

    static Path root() {
        String root = System.getProperty("egret.root");
        Path p = root != null ? Path.of(root) : Path.of("..");
        p = p.toAbsolutePath().normalize();
        if (!Files.isDirectory(p.resolve("k8s-manifests")) || !Files.isDirectory(p.resolve("prometheus-rules"))) {
            throw new IllegalStateException(p + " is not the Egret source tree (set -Degret.root)");
        }
        return p;
    }

    static Path manifests() {
        return root().resolve("k8s-manifests");
    }

    static Path rules() {
        return root().resolve("prometheus-rules");
    }

    static Path crd() {
        return manifests().resolve("base/egresspolicy-crd.yaml");
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
