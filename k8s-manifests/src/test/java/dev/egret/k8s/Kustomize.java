package dev.egret.k8s;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/** Renders a kustomization with {@code kubectl kustomize}, as a user would before applying it. */
final class Kustomize {
    private static final Pattern VERSION = Pattern.compile("Kustomize Version: v(\\d+)\\.(\\d+)");
    private static Tool kubectl;

    private Kustomize() {
    }

    static synchronized Tool kubectl() {
        if (kubectl == null) {
            Tool t = Tool.require("kubectl", "Install a kubectl of 1.27 or newer (it embeds kustomize v5); Debian 12's "
                    + "kubernetes-client package is 1.20, whose kustomize v2 cannot build these manifests.");
            String version = t.check(Path.of("."), "version", "--client").trim();
            Matcher m = VERSION.matcher(version);
            if (!m.find() || Integer.parseInt(m.group(1)) < 5) {
                fail("kubectl must embed kustomize v5 or newer (YAML anchors, labels, patches); `kubectl version "
                        + "--client` says:\n" + version);
            }
            kubectl = t;
        }
        return kubectl;
    }

    /** {@code kubectl kustomize DIR}, relative to k8s-manifests/, parsed. */
    static Manifests render(String dir) {
        Path path = Repo.manifests().resolve(dir).normalize();
        return Manifests.parse(kubectl().check(Repo.manifests(), "kustomize", path.toString()));
    }
}
