package dev.egret.bench;

import dev.egret.node.datapath.LearnedIp;
import dev.egret.node.datapath.RuleValue;
import dev.egret.node.dns.AnswerAddresses;
import dev.egret.node.dns.DnsQuery;
import dev.egret.node.dns.LearnedMerge;
import dev.egret.node.dns.NameDecider;
import dev.egret.node.dns.NameDecision;
import dev.egret.node.dns.Responses;
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
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The DNS proxy's work per query outside I/O and the kernel map calls: checking the upstream answer against the
 * question and finding its addresses, building and merging the learned-map entries and rewriting the ID
 * ({@link #answer}); plus parsing the query and deciding its name with a compiled 1000-pattern policy
 * ({@link #queryAndAnswer}). Run with the gc profiler for B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AnswerPathBenchmark {
    private byte[] queryWire;
    private byte[] answerWire;
    private DnsQuery query;
    private NameDecider decider;
    private RuleValue ports;

    @Setup
    public void setUp() throws Exception {
        Name name = Name.fromString("h3.d7.bench.");
        Message q = Message.newQuery(Record.newRecord(name, Type.A, DClass.IN));
        queryWire = q.toWire();
        Message a = new Message(q.getHeader().getID());
        a.getHeader().setFlag(Flags.QR);
        a.getHeader().setFlag(Flags.RD);
        a.getHeader().setFlag(Flags.RA);
        a.addRecord(q.getQuestion(), Section.QUESTION);
        a.addRecord(new ARecord(name, DClass.IN, 0, InetAddress.getByName("127.1.0.73")), Section.ANSWER);
        answerWire = a.toWire();
        query = DnsQuery.parse(queryWire).orElseThrow();
        decider = NameDecider.of(BenchPolicies.patterns(1000));
        ports = new RuleValue(new TreeSet<>(decider.decide("h3.d7.bench").ports()));
    }

    private void answer(DnsQuery q, RuleValue p, Blackhole bh) {
        AnswerAddresses.Result r = AnswerAddresses.of(answerWire, q);
        long now = System.nanoTime();
        for (AnswerAddresses.Learned l : r.addresses()) {
            LearnedIp fresh = new LearnedIp(1, l.address(), now + TimeUnit.SECONDS.toNanos(l.ttlSeconds()), p);
            LearnedIp merged = LearnedMerge.merge(Optional.empty(), fresh, now);
            bh.consume(merged.key());
            bh.consume(merged.value());
        }
        bh.consume(Responses.withId(answerWire, q.id()));
    }

    @Benchmark
    public void answer(Blackhole bh) {
        answer(query, ports, bh);
    }

    @Benchmark
    public void queryAndAnswer(Blackhole bh) {
        DnsQuery q = DnsQuery.parse(queryWire).orElseThrow();
        NameDecision d = decider.decide(q.nameText());
        answer(q, new RuleValue(new TreeSet<>(d.ports())), bh);
    }
}
