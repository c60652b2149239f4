//! Hostile clients against the real binary: `filter_path` bombs, request heads just under and
//! just over `http.max_initial_line_length`/`http.max_header_size` over HTTP/1.1 and HTTP/2
//! (curl), connections held open by clients that never finish a request head while a normal
//! client keeps being answered, and the connection cap (Python `ssl`). Sized for a 2-core
//! machine: every test ends in seconds.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use base64::Engine;

use crate::support::{
    TestNode, have_tool, python, run_python_scenario, secured_node, start_secured,
};

fn curl(args: &[&str]) -> Output {
    Command::new("curl")
        .args(["-sS", "--max-time", "20"])
        .args(args)
        .output()
        .unwrap()
}

/// Status line and body of `curl -i` output (HTTP/1.1 or HTTP/2).
fn status_and_body(o: &Output) -> (String, String) {
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let status = text.lines().next().unwrap_or_default().trim().to_string();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn es_error(error_type: &str, reason: &str) -> String {
    format!(
        r#"{{"error":{{"root_cause":[{{"type":"{error_type}","reason":"{reason}"}}],"type":"{error_type}","reason":"{reason}"}},"status":400}}"#
    )
}

#[test]
fn filter_path_bombs_are_answered_at_once() {
    if !have_tool("curl", "--version") {
        return;
    }
    let (home, node, password) = secured_node();
    let ca = home.path().join("config/certs/http_ca.crt");
    let auth = format!("elastic:{password}");
    let get = |query: &str| {
        let started = Instant::now();
        let o = curl(&[
            "--cacert",
            ca.to_str().unwrap(),
            "--http1.1",
            "-u",
            &auth,
            "-i",
            &format!("https://localhost:{}/_nodes/stats?{query}", node.port),
        ]);
        (status_and_body(&o), started.elapsed())
    };
    for stars in [60, 1000] {
        let query = format!("filter_path={}", vec!["**"; stars].join("."));
        let ((status, body), took) = get(&query);
        assert!(
            status.starts_with("HTTP/1.1 200"),
            "{stars}: {status} {body}"
        );
        assert_eq!(body, "{}", "{stars}");
        assert!(took < Duration::from_secs(10), "{stars} ** took {took:?}");
    }
    // Past the segment cap: a clear 400 (the request line still fits in 4kb).
    let ((status, body), _) = get(&format!("filter_path={}", vec!["a"; 1100].join(".")));
    assert!(status.starts_with("HTTP/1.1 400"), "{status} {body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["error"]["type"], "illegal_argument_exception");
    assert!(
        body["error"]["reason"]
            .as_str()
            .unwrap()
            .contains("[filter_path] has more than [1024] path segments"),
        "{body}"
    );
    // The node is still there, and small (the 60-`**` request used to need 15 GB).
    let ((status, body), _) = get("filter_path=nodes.*.jvm.mem.heap_used_in_bytes,nodes.*.name");
    assert!(status.starts_with("HTTP/1.1 200"), "{status} {body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    let node_stats = body["nodes"].as_object().unwrap().values().next().unwrap();
    let rss = node_stats["jvm"]["mem"]["heap_used_in_bytes"]
        .as_u64()
        .unwrap();
    assert!(rss < 512 << 20, "resident memory after the bombs: {rss}");
}

#[test]
fn oversized_request_heads_get_elasticsearch_errors_over_http1_and_http2() {
    if !have_tool("curl", "--version") {
        return;
    }
    let (home, node, password) = secured_node();
    let ca = home.path().join("config/certs/http_ca.crt");
    let host = format!("127.0.0.1:{}", node.port);
    let auth = format!("elastic:{password}");
    let authorization = format!(
        "Authorization: Basic {}",
        base64::engine::general_purpose::STANDARD.encode(auth.as_bytes())
    );
    let line_error = es_error(
        "too_long_http_line_exception",
        "An HTTP line is larger than 4096 bytes.",
    );
    let header_error = es_error(
        "too_long_http_header_exception",
        "HTTP header is larger than 16384 bytes.",
    );
    let request = |http2: bool, target: &str, pad: Option<usize>| {
        let mut args = vec![
            "--cacert".to_string(),
            ca.to_str().unwrap().to_string(),
            "-i".to_string(),
            if http2 { "--http2" } else { "--http1.1" }.to_string(),
            "-u".to_string(),
            auth.clone(),
            // Only the headers counted here: no User-Agent, no Accept.
            "-H".to_string(),
            "User-Agent:".to_string(),
            "-H".to_string(),
            "Accept:".to_string(),
        ];
        if let Some(n) = pad {
            args.push("-H".to_string());
            args.push(format!("X-Pad: {}", "p".repeat(n)));
        }
        args.push(format!("https://localhost:{}{target}", node.port));
        let started = Instant::now();
        let o = curl(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "no immediate answer"
        );
        status_and_body(&o)
    };
    // `GET <target> HTTP/1.1` is 13 bytes more than the target.
    let target = |len: usize| format!("/?filter_path={}", "a".repeat(len - 14));
    for http2 in [false, true] {
        let version = if http2 { "HTTP/2" } else { "HTTP/1.1" };
        let (status, body) = request(http2, &target(4083), None);
        assert!(status.starts_with(&format!("{version} 200")), "{status}");
        assert_eq!(body, "{}");
        let (status, body) = request(http2, &target(4084), None);
        assert!(status.starts_with(&format!("{version} 400")), "{status}");
        assert_eq!(body, line_error, "{version}");

        // Header lines: `Host: 127.0.0.1:<port>` over HTTP/1.1 (HTTP/2 sends :authority,
        // not a header), `Authorization: Basic …` and `X-Pad: …` (7 + n bytes).
        let fixed = authorization.len()
            + if http2 {
                0
            } else {
                "Host: ".len() + host.len()
            };
        let exact = 16384 - fixed - "X-Pad: ".len();
        let (status, body) = request(http2, "/", Some(exact));
        assert!(
            status.starts_with(&format!("{version} 200")),
            "{status} {body}"
        );
        let (status, body) = request(http2, "/", Some(exact + 1));
        assert!(status.starts_with(&format!("{version} 400")), "{status}");
        assert_eq!(body, header_error, "{version}");
    }
}

/// Python: 150 TLS connections that never send a byte, 30 that send a request head one byte
/// every 100 ms, and 40 without credentials that announce a 50 MB body and never send it;
/// the last ones are answered 401 at once (the node never waits for an unauthenticated
/// body); while all are open, 10 authenticated requests on fresh connections are each
/// answered within 3 s; then every hostile connection is closed by the node within
/// `http.read_timeout` (2 s) and a margin.
const HOSTILE_CLIENTS: &str = r#"
import base64, http.client, socket, ssl, sys, threading, time
ca, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
def connect():
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))
    return s
idle = [connect() for _ in range(150)]
slow = [connect() for _ in range(30)]
slow_closed = []
def trickle(s):
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000
    start = time.time()
    for b in head:
        try:
            s.send(bytes([b]))
        except OSError:
            slow_closed.append(time.time() - start)
            return
        time.sleep(0.1)
threads = [threading.Thread(target=trickle, args=(s,)) for s in slow]
for t in threads: t.start()
stalled = [connect() for _ in range(40)]
for s in stalled:
    s.sendall(b"PUT /_security/role/r1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{")
for s in stalled:
    t0 = time.time()
    s.settimeout(5)
    head = b""
    while b"\r\n" not in head:
        chunk = s.recv(4096)
        assert chunk, "closed without an answer"
        head += chunk
    assert head.startswith(b"HTTP/1.1 401"), head[:80]
    assert time.time() - t0 < 3, "the 401 waited for the body"
started = time.time()
auth = {"Authorization": "Basic " + base64.b64encode(("elastic:" + password).encode()).decode()}
for i in range(10):
    t0 = time.time()
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
    c.request("GET", "/_cluster/health", headers=auth)
    r = c.getresponse(); r.read(); c.close()
    took = time.time() - t0
    assert r.status == 200, r.status
    assert took < 3, f"request {i} took {took:.2f}s"
for s in idle:
    s.settimeout(15)
    try:
        data = s.recv(1)
    except socket.timeout:
        raise AssertionError("an idle connection is still open")
    except OSError:
        data = b""
    assert data == b"", data
idle_done = time.time() - started
assert idle_done < 2 + 8, f"idle connections closed after {idle_done:.1f}s"
for t in threads: t.join(15)
assert len(slow_closed) == 30, f"{len(slow_closed)} slow heads closed"
assert max(slow_closed) < 2 + 8, f"slow heads closed after {max(slow_closed):.1f}s"
print("ok")
"#;

#[test]
fn hostile_connections_are_closed_while_a_normal_client_is_answered() {
    if !have_tool(&python(), "--version") {
        return;
    }
    // The first start configures security and prints the password; the second one runs
    // with a short read timeout.
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start_secured(home.path());
    node.stop();
    let node = TestNode::start(home.path(), &["http.read_timeout=2s"]);
    run_python_scenario(
        HOSTILE_CLIENTS,
        &home.path().join("config/certs/http_ca.crt"),
        node.port,
        &password,
    );
}

/// Python: fill the cap (20) with idle TLS connections; 30 more are closed at once without a
/// handshake; one connection freed lets a normal client in again.
const CAPPED: &str = r#"
import base64, http.client, socket, ssl, sys, time
ca, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
held = [ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10)) for _ in range(20)]
for i in range(30):
    t0 = time.time()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        data = s.recv(1)
    except socket.timeout:
        raise AssertionError("a connection past the cap is still open")
    except OSError:
        data = b""
    assert data == b"", data
    assert time.time() - t0 < 2, "refusal was not immediate"
    s.close()
held.pop().close()
time.sleep(0.5)
auth = {"Authorization": "Basic " + base64.b64encode(("elastic:" + password).encode()).decode()}
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
c.request("GET", "/", headers=auth)
r = c.getresponse(); r.read()
assert r.status == 200, r.status
print("ok")
"#;

#[test]
fn connections_past_the_cap_are_refused_and_logged_once() {
    if !have_tool(&python(), "--version") {
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let (node, password) = start_secured(home.path());
    node.stop();
    let node = TestNode::start(home.path(), &["http.max_open_connections=20"]);
    run_python_scenario(
        CAPPED,
        &home.path().join("config/certs/http_ca.crt"),
        node.port,
        &password,
    );
    let out = node.output();
    let refusals = out.matches("refused").count();
    assert_eq!(refusals, 1, "one log line for 30 refusals:\n{out}");
    assert!(
        out.contains("connections are open, the most [http.max_open_connections] allows"),
        "{out}"
    );
}
