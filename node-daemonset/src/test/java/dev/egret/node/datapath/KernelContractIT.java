package dev.egret.node.datapath;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The Java layouts in {@link KernelContract} match the structs the compiler laid out, read from the object's BTF. */
class KernelContractIT {
    record Struct(int size, Map<String, Integer> offsets) {
    }

    static final Map<String, Struct> BTF = new HashMap<>();

    @BeforeAll
    static void readBtf(@TempDir Path tmp) throws Exception {
        Path obj = tmp.resolve("contract.bpf.o");
        try (InputStream in = KernelContractIT.class.getResourceAsStream("/bpf/contract.bpf.o")) {
            assertNotNull(in, "contract.bpf.o on the classpath");
            Files.copy(in, obj);
        }
        Process p = new ProcessBuilder("bpftool", "btf", "dump", "file", obj.toString(), "format", "raw").start();
        String dump = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "bpftool btf dump");
        Pattern struct = Pattern.compile("^\\[\\d+] STRUCT '(\\w+)' size=(\\d+) vlen=\\d+$");
        Pattern member = Pattern.compile("^\\s+'(\\w+)' type_id=\\d+ bits_offset=(\\d+)");
        Struct current = null;
        for (String line : dump.lines().toList()) {
            Matcher s = struct.matcher(line);
            Matcher m = member.matcher(line);
            if (s.matches()) {
                current = new Struct(Integer.parseInt(s.group(2)), new HashMap<>());
                BTF.put(s.group(1), current);
            } else if (m.find() && current != null) {
                current.offsets().put(m.group(1), Integer.parseInt(m.group(2)) / 8);
            } else if (!line.startsWith("\t")) {
                current = null;
            }
        }
    }

    static int size(String s) {
        return BTF.get(s).size();
    }

    static int offset(String s, String field) {
        return BTF.get(s).offsets().get(field);
    }

    @Test
    void sizesMatch() {
        assertEquals(KernelContract.WORKLOAD_SIZE, size("egret_workload"));
        assertEquals(KernelContract.PORT_RANGE_SIZE, size("egret_port_range"));
        assertEquals(KernelContract.RULE_SIZE, size("egret_rule"));
        assertEquals(KernelContract.LPM4_KEY_SIZE, size("egret_lpm4_key"));
        assertEquals(KernelContract.LPM6_KEY_SIZE, size("egret_lpm6_key"));
        assertEquals(KernelContract.LEARNED_KEY_SIZE, size("egret_learned_key"));
        assertEquals(KernelContract.LEARNED_SIZE, size("egret_learned"));
        assertEquals(KernelContract.COUNTERS_SIZE, size("egret_counters"));
        assertEquals(KernelContract.EVENT_SIZE, size("egret_event"));
        assertEquals(KernelContract.DNS_CONFIG_SIZE, size("egret_dns_config"));
        assertEquals(KernelContract.DNS_ORIG_SIZE, size("egret_dns_orig"));
        assertEquals(KernelContract.DNS_CLIENT_KEY_SIZE, size("egret_dns_client_key"));
        assertEquals(KernelContract.DNS_ASKER_SIZE, size("egret_dns_asker"));
    }

    @Test
    void offsetsMatch() {
        assertEquals(KernelContract.WORKLOAD_SLOT, offset("egret_workload", "slot"));
        assertEquals(KernelContract.WORKLOAD_MODE, offset("egret_workload", "mode"));
        assertEquals(KernelContract.WORKLOAD_FLAGS, offset("egret_workload", "flags"));
        assertEquals(KernelContract.RULE_RANGES, offset("egret_rule", "ranges"));
        assertEquals(KernelContract.LEARNED_PORTS, offset("egret_learned", "ports"));
        assertEquals(4, offset("egret_lpm4_key", "slot"));
        assertEquals(8, offset("egret_lpm4_key", "addr"));
        assertEquals(8, offset("egret_lpm6_key", "addr"));
        assertEquals(0, offset("egret_learned_key", "cgroup_id"));
        assertEquals(KernelContract.LEARNED_KEY_ADDR, offset("egret_learned_key", "addr"));
        assertEquals(KernelContract.EVENT_TS, offset("egret_event", "ts_ns"));
        assertEquals(KernelContract.EVENT_CGROUP, offset("egret_event", "cgroup_id"));
        assertEquals(KernelContract.EVENT_PID, offset("egret_event", "pid"));
        assertEquals(KernelContract.EVENT_SLOT, offset("egret_event", "slot"));
        assertEquals(KernelContract.EVENT_COMM, offset("egret_event", "comm"));
        assertEquals(KernelContract.EVENT_ADDR, offset("egret_event", "addr"));
        assertEquals(KernelContract.EVENT_PORT, offset("egret_event", "port"));
        assertEquals(KernelContract.EVENT_FAMILY, offset("egret_event", "family"));
        assertEquals(KernelContract.EVENT_PROTO, offset("egret_event", "proto"));
        assertEquals(KernelContract.EVENT_HOOK, offset("egret_event", "hook"));
        assertEquals(KernelContract.EVENT_VERDICT, offset("egret_event", "verdict"));
        assertEquals(KernelContract.EVENT_REASON, offset("egret_event", "reason"));
        assertEquals(KernelContract.DNS_CONFIG_IP6, offset("egret_dns_config", "ip6"));
        assertEquals(KernelContract.DNS_CONFIG_PORT, offset("egret_dns_config", "port"));
        assertEquals(KernelContract.DNS_CONFIG_POD_IP4, offset("egret_dns_config", "pod_ip4"));
        assertEquals(KernelContract.DNS_CONFIG_POD_IP6, offset("egret_dns_config", "pod_ip6"));
        assertEquals(KernelContract.DNS_CONFIG_HOST_NETNS, offset("egret_dns_config", "host_netns"));
        assertEquals(KernelContract.DNS_CLIENT_KEY_ADDR, offset("egret_dns_client_key", "addr"));
        assertEquals(KernelContract.DNS_ORIG_PID, offset("egret_dns_orig", "pid"));
        assertEquals(KernelContract.DNS_ORIG_FAMILY, offset("egret_dns_orig", "family"));
        assertEquals(KernelContract.DNS_ORIG_ADDR, offset("egret_dns_orig", "addr"));
        assertEquals(KernelContract.DNS_ORIG_PORT, offset("egret_dns_orig", "port"));
        assertEquals(KernelContract.DNS_ORIG_COMM, offset("egret_dns_orig", "comm"));
        assertEquals(KernelContract.DNS_ASKER_KEY, offset("egret_dns_asker", "key"));
        assertEquals(KernelContract.DNS_ASKER_ORIG, offset("egret_dns_asker", "orig"));
        assertEquals(2, offset("egret_dns_client_key", "port"));
    }
}
