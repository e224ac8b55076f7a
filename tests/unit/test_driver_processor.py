"""Custom processors, state stores and punctuation (stream time and wall clock)."""

from airstream.topology import Processor, PunctuationType, Record, Serdes, Stores, StreamsBuilder
from airstream.topology.testing import TopologyTestDriver


class Dedup(Processor):
    def init(self, context):
        self.context = context
        self.seen = context.get_state_store("seen")

    def process(self, record):
        if self.seen.get(record.key) is None:
            self.seen.put(record.key, record.value)
            self.context.forward(record.with_value(record.value.upper()))


def test_custom_processor_with_a_key_value_store():
    b = StreamsBuilder()
    (b.stream("in", key_serde=Serdes.String(), value_serde=Serdes.String())
      .process(Dedup, stores=[Stores.key_value_store("seen", Serdes.String(), Serdes.String())])
      .to("out", key_serde=Serdes.String(), value_serde=Serdes.String()))
    with TopologyTestDriver(b.build(), {"application.id": "dedup"}) as driver:
        driver.create_input_topic("in").pipe_key_value_list([("a", "x"), ("a", "y"), ("b", "z")])
        assert driver.create_output_topic("out").read_key_values_to_list() == [("a", "X"), ("b", "Z")]
        assert driver.get_key_value_store("seen").all() == [("a", "x"), ("b", "z")]
        changelog = driver.create_output_topic("dedup-seen-changelog", Serdes.String(), Serdes.String())
        assert changelog.read_key_values_to_list() == [("a", "x"), ("b", "z")]


class Counter(Processor):
    """Counts records and emits the count on each punctuation."""

    def __init__(self, kind):
        self.kind = kind
        self.calls = []

    def init(self, context):
        self.context = context
        self.count = 0
        context.schedule(10, self.kind, self.punctuate)

    def process(self, record):
        self.count += 1

    def punctuate(self, timestamp):
        self.calls.append(timestamp)
        self.context.forward("count", self.count)


def counter_driver(kind):
    made = []

    def factory():
        made.append(Counter(kind))
        return made[-1]
    b = StreamsBuilder()
    b.stream("in").process(factory).to("out")
    return TopologyTestDriver(b.build()), made


def test_stream_time_punctuation_fires_as_record_timestamps_advance():
    driver, made = counter_driver("stream_time")
    with driver:
        inp = driver.create_input_topic("in")
        out = driver.create_output_topic("out")
        inp.pipe_input("k", "v", timestamp=3)    # first record: aligned to 0, fires at once
        inp.pipe_input("k", "v", timestamp=9)    # next punctuation is due at 10
        inp.pipe_input("k", "v", timestamp=35)   # due: one call, missed intervals are skipped
        inp.pipe_input("k", "v", timestamp=36)
        driver.advance_wall_clock_time(1000)     # wall clock does not drive stream time
        assert made[0].calls == [3, 35]
        assert out.read_records_to_list() == [("count", 1, 3, []), ("count", 3, 35, [])]


def test_wall_clock_punctuation_fires_when_the_driver_advances_the_clock():
    driver, made = counter_driver(PunctuationType.WALL_CLOCK_TIME)
    with driver:
        driver.create_input_topic("in").pipe_input("k", "v", timestamp=5000)
        assert made[0].calls == []
        driver.advance_wall_clock_time(9)
        assert made[0].calls == []
        driver.advance_wall_clock_time(1)
        driver.advance_wall_clock_time(25)
        assert made[0].calls == [10, 35]
        assert driver.create_output_topic("out").read_values_to_list() == [1, 1]


def test_cancelled_punctuator_stops_and_record_metadata_is_available():
    seen = []

    class Once(Processor):
        def init(self, context):
            self.context = context
            self.handle = context.schedule(5, "wall_clock_time", self.tick)

        def tick(self, ts):
            seen.append(("tick", ts))
            self.handle.cancel()

        def process(self, record):
            meta = self.context.record_metadata()
            seen.append((meta.topic, meta.partition, meta.offset))
            self.context.forward(Record(record.key, record.value, record.timestamp + 1))

    b = StreamsBuilder()
    b.stream("in").process(Once).to("out")
    with TopologyTestDriver(b.build()) as driver:
        driver.create_input_topic("in").pipe_input("k", "v", timestamp=1)
        driver.advance_wall_clock_time(20)
        driver.advance_wall_clock_time(20)
        assert seen == [("in", 0, 0), ("tick", 20)]
        assert driver.create_output_topic("out").read_record().timestamp == 2
