package dev.egret.node.run;

import dev.egret.policy.EgressPolicy;
import dev.egret.policy.Mode;
import dev.egret.policy.PolicyCodec;
import dev.egret.policy.PolicySpec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading policy files. */
public final class Policies {
    private Policies() {
    }

    /** Reads a YAML or JSON policy file; a PolicyValidationException names the fields at fault. */
    public static EgressPolicy read(Path file) {
        try {
            String text = Files.readString(file);
            return file.toString().endsWith(".json") ? PolicyCodec.parseJson(text) : PolicyCodec.parseYaml(text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read policy file " + file, e);
        }
    }

    public static EgressPolicy withMode(EgressPolicy p, Mode mode) {
        PolicySpec s = p.spec();
        return new EgressPolicy(p.apiVersion(), p.kind(), p.metadata(),
                new PolicySpec(mode, s.workloads(), s.egress(), s.deny(), s.protects(), s.allowRawSockets(), s.limits(),
                        s.dns()));
    }
}
