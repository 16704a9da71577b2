#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| knox_tests::fuzz::check_sigma_rule(data));
