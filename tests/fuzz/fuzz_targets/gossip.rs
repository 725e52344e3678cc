#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    coalition_tests::fuzzing::fuzz_gossip(data);
});
