//! Property tests of the wire protocol: every command survives `to_line` → `parse` unchanged, and
//! no input of any shape makes the parser panic.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use sonora_proto::command::{
    CheckinArgs, ForgetArgs, HistoryArgs, LayerArgs, NameArgs, RateArgs, StartArgs, ToggleArgs, VolumeArgs,
};
use sonora_proto::{Command, ErrorCode, MAX_LINE_BYTES, Outcome, Request};

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![Just(Outcome::Calm), Just(Outcome::Focus), Just(Outcome::Sleep)]
}

/// Any finite f64, with the interesting ones weighted in. JSON has no NaN or infinity.
fn num() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
        -1e3..1e3f64,
        Just(0.0),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-z_-]{0,12}", Just(String::new()), Just("\u{0}\"\\\n\r\t\u{2028}".into())]
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        Just(Command::Status),
        (outcome(), prop::option::of(num()), prop::option::of(text()), prop::option::of(text())).prop_map(
            |(outcome, minutes, preset, pack)| Command::Start(StartArgs { outcome, minutes, preset, pack })
        ),
        Just(Command::Stop),
        (outcome(), prop::option::of(num()))
            .prop_map(|(outcome, minutes)| Command::Toggle(ToggleArgs { outcome, minutes })),
        num().prop_map(|level| Command::Volume(VolumeArgs { level })),
        Just(Command::Reload),
        Just(Command::Version),
        Just(Command::Quit),
        Just(Command::Subscribe),
        Just(Command::About),
        (prop::option::of(num()), prop::option::of(text()))
            .prop_map(|(seconds, file)| Command::Checkin(CheckinArgs { seconds, file })),
        Just(Command::Next),
        Just(Command::Layers),
        (text(), prop::option::of(num()), prop::option::of(any::<bool>()))
            .prop_map(|(name, volume, mute)| Command::Layer(LayerArgs { name, volume, mute })),
        text().prop_map(|name| Command::PresetSave(NameArgs { name })),
        Just(Command::Packs),
        Just(Command::Schedule),
        text().prop_map(|name| Command::ScheduleSkipNext(NameArgs { name })),
        Just(Command::SchedulePause),
        Just(Command::ScheduleResume),
        prop::option::of(num()).prop_map(|since_s| Command::History(HistoryArgs { since_s })),
        any::<u8>().prop_map(|rating| Command::Rate(RateArgs { rating })),
        (any::<bool>(), prop::option::of(text()))
            .prop_map(|(all, before)| Command::Forget(ForgetArgs { all, before })),
    ]
}

/// Fragments that look like the protocol, so random strings get past the JSON parser often.
fn jsonish() -> impl Strategy<Value = String> {
    let frag = prop_oneof![
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just(",".to_string()),
        Just(":".to_string()),
        Just("\"id\"".to_string()),
        Just("\"cmd\"".to_string()),
        Just("\"args\"".to_string()),
        Just("\"start\"".to_string()),
        Just("\"outcome\"".to_string()),
        Just("\"calm\"".to_string()),
        Just("null".to_string()),
        Just("true".to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| format!("{n:e}")),
        "\"[^\"\\\\]{0,8}\"",
        any::<String>(),
    ];
    prop::collection::vec(frag, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn every_command_round_trips(id in any::<u64>(), command in command()) {
        let req = Request { id, command };
        let line = req.to_line();
        prop_assert!(!line.contains('\n'), "a request line must be one line: {line:?}");
        prop_assert!(line.len() <= MAX_LINE_BYTES);
        let back = Request::parse(&line).map_err(|e| TestCaseError::fail(format!("{line}: {e:?}")))?;
        prop_assert!(same(&back, &req), "{:?} came back as {:?} from {}", req, back, line);
    }

    #[test]
    fn any_string_never_panics(s in any::<String>()) {
        check(&s);
    }

    #[test]
    fn protocol_shaped_strings_never_panic(s in jsonish()) {
        check(&s);
    }

    #[test]
    fn any_bytes_as_the_socket_reads_them_never_panic(b in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&String::from_utf8_lossy(&b));
    }

    #[test]
    fn any_args_for_any_command_never_panic(
        id in any::<u64>(),
        cmd in prop::sample::select(vec![
            "status", "start", "stop", "toggle", "volume", "checkin", "layer", "preset_save",
            "history", "rate", "forget", "schedule_skip_next", "dance",
        ]),
        args in jsonish(),
    ) {
        check(&format!(r#"{{"id":{id},"cmd":"{cmd}","args":{args}}}"#));
    }
}

/// Equal, except that numbers may differ in the last bit or two: serde_json's default float
/// parser is not exact (4.645713177319295e-79 reads back one ulp off; subnormals a little more).
/// With serde_json's `float_roundtrip` feature this could be `==`.
fn same(a: &Request, b: &Request) -> bool {
    fn close(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value::*;
        match (a, b) {
            (Number(x), Number(y)) => match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => x == y || (x - y).abs() <= x.abs().max(y.abs()) * 1e-15 + 1e-320,
                _ => x == y,
            },
            (Object(x), Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w)))
            }
            (Array(x), Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| close(v, w)),
            _ => a == b,
        }
    }
    a.id == b.id
        && close(&serde_json::to_value(&a.command).unwrap(), &serde_json::to_value(&b.command).unwrap())
}

fn check(s: &str) {
    match Request::parse(s) {
        Ok(req) => {
            // Whatever was accepted is re-sent with the same meaning.
            let back = Request::parse(&req.to_line()).unwrap_or_else(|e| panic!("{s:?}: {e:?}"));
            assert!(same(&back, &req), "{s:?}: {req:?} came back as {back:?}");
        }
        Err(bad) => {
            assert!(!bad.error.message.is_empty());
            if s.len() > MAX_LINE_BYTES {
                assert_eq!(bad.error.code, ErrorCode::TooLarge);
            }
        }
    }
}

#[test]
fn oversized_lines_are_too_large_not_parsed() {
    let s = format!(r#"{{"id":1,"cmd":"status","args":"{}"}}"#, "é".repeat(MAX_LINE_BYTES / 2 + 1));
    assert_eq!(Request::parse(&s).unwrap_err().error.code, ErrorCode::TooLarge);
    let s = format!(r#"{{"id":1,"cmd":"status"}}{}"#, " ".repeat(MAX_LINE_BYTES - 23));
    assert_eq!(s.len(), MAX_LINE_BYTES);
    assert!(Request::parse(&s).is_ok(), "exactly MAX_LINE_BYTES is allowed");
}
