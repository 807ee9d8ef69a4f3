package dev.egret.bench;

import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.datapath.RuleValue;
import dev.egret.node.dns.AnswerAddresses;
import dev.egret.node.dns.NameDecider;
import dev.egret.node.dns.NameDecision;
import dev.egret.node.dns.Responses;
import dev.egret.policy.EgressPolicy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

import java.net.InetAddress;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The DNS proxy's work per query outside I/O and the kernel map write: parsing the upstream answer, finding its
 * addresses, encoding the learned-map entries and rewriting the ID ({@link #answer}); plus parsing the query and
 * deciding its name against a 1000-pattern policy ({@link #queryAndAnswer}). Run with the gc profiler for B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AnswerPathBenchmark {
    private byte[] query;
    private byte[] answer;
    private EgressPolicy policy;
    private RuleValue ports;

    @Setup
    public void setUp() throws Exception {
        Name name = Name.fromString("h3.d7.bench.");
        Message q = Message.newQuery(Record.newRecord(name, Type.A, DClass.IN));
        query = q.toWire();
        Message a = new Message(q.getHeader().getID());
        a.getHeader().setFlag(Flags.QR);
        a.getHeader().setFlag(Flags.RD);
        a.getHeader().setFlag(Flags.RA);
        a.addRecord(q.getQuestion(), Section.QUESTION);
        a.addRecord(new ARecord(name, DClass.IN, 0, InetAddress.getByName("127.1.0.73")), Section.ANSWER);
        answer = a.toWire();
        policy = BenchPolicies.patterns(1000);
        ports = new RuleValue(new TreeSet<>(NameDecider.decide(policy, "h3.d7.bench").ports()));
    }

    @Benchmark
    public void answer(Blackhole bh) throws Exception {
        List<AnswerAddresses.Learned> addrs = AnswerAddresses.of(new Message(answer));
        long now = System.nanoTime();
        for (AnswerAddresses.Learned l : addrs) {
            LearnedIp ip = new LearnedIp(1, l.address(), now + l.ttlSeconds() * 1_000_000_000L, ports);
            bh.consume(ip.key());
            bh.consume(ip.value());
        }
        bh.consume(Responses.withId(answer, 4242));
    }

    @Benchmark
    public void queryAndAnswer(Blackhole bh) throws Exception {
        Message q = new Message(query);
        NameDecision d = NameDecider.decide(policy, q.getQuestion().getName().toString(true));
        bh.consume(d);
        answer(bh);
    }
}
