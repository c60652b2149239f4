use super::*;
use crate::error::EsException;

fn err(r: Result<String>) -> EsException {
    EsException::from_code(&r.unwrap_err())
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[test]
fn plain_names_are_unchanged() {
    let now = at("2024-03-22T10:15:30Z");
    assert_eq!(resolve("logs", now).unwrap(), "logs");
    assert_eq!(resolve("logs-*", now).unwrap(), "logs-*");
    assert_eq!(resolve("<logs", now).unwrap(), "<logs");
}

#[test]
fn placeholders_print_with_the_default_and_given_patterns() {
    let now = at("2024-03-22T10:15:30Z");
    assert_eq!(resolve("<logs-{now/d}>", now).unwrap(), "logs-2024.03.22");
    assert_eq!(
        resolve("<logs-{now/M{yyyy.MM}}>", now).unwrap(),
        "logs-2024.03"
    );
    assert_eq!(
        resolve("<logs-{now-1d/d}>", now).unwrap(),
        "logs-2024.03.21"
    );
    assert_eq!(
        resolve(
            "<logs-{now/d{yyyy.MM.dd|+12:00}}>",
            at("2024-03-22T13:00:00Z")
        )
        .unwrap(),
        "logs-2024.03.23"
    );
    assert_eq!(
        resolve("<.mon-{now{yyyy-MM-dd'T'HH}}-x>", now).unwrap(),
        ".mon-2024-03-22T10-x"
    );
    assert_eq!(resolve("<a\\{b\\}-{now/y{yy}}>", now).unwrap(), "a{b}-24");
}

#[test]
fn malformed_expressions_are_parse_exceptions() {
    let now = at("2024-03-22T10:15:30Z");
    let cases = [
        ("<.mar}vel-{now/d}>", "invalid character at position [5]"),
        ("<.marvel-{now/d{}>", "date math placeholder is open ended"),
        ("<.marvel-{now/d{}}>", "missing date format"),
        ("<.marvel-{now/d>", "date math placeholder is open ended"),
        ("<{now/d{a{b}}}>", "invalid character in placeholder"),
        ("<>", "nothing captured"),
    ];
    for (text, reason) in cases {
        let e = err(resolve(text, now));
        assert_eq!(e.error_type, "parse_exception", "{text}");
        assert_eq!(e.status, 400);
        assert!(e.reason.contains(reason), "{text}: {}", e.reason);
    }
    let e = err(resolve("<x-{now/d{yyyy|Mars/Olympus}}>", now));
    assert_eq!(e.error_type, "illegal_argument_exception");
    let e = err(resolve("<x-{now/d{tttt}}>", now));
    assert_eq!(
        e.reason,
        "Invalid format: [tttt]: Unknown pattern letter: t"
    );
}

#[test]
fn java_patterns_print_fields() {
    let p = JavaPattern::new("uuuu.MM.dd HH:mm:ss.SSS MMM 'o''clock' ''").unwrap();
    assert_eq!(
        p.format(at("2024-01-05T03:04:05.678Z"), &TimeZone::UTC),
        "2024.01.05 03:04:05.678 Jan o'clock '"
    );
    assert!(JavaPattern::new("'open").is_err());
}

proptest::proptest! {
    #[test]
    fn arbitrary_names_never_panic(s in "<[-a-z{}\\\\/|+:0-9ydMHms']{0,24}>") {
        let _ = resolve(&s, at("2024-03-22T10:15:30Z"));
    }
}
