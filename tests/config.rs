//! The real binary's configuration: `--config FILE` (or `DEZONE_CONFIG`),
//! flags and `DEZONE_*` variables ranked flag > env > file > default, and
//! `--log-format json` writing one JSON object per line, the first naming
//! every setting and where it came from.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::{
    io::{BufRead as _, BufReader, Read as _, Write as _},
    net::TcpStream,
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::mpsc::Receiver,
    time::Duration,
};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_dezone");

/// Every `DEZONE_*` variable the binary reads: cleared, so that only what a
/// test sets counts.
const VARIABLES: [&str; 9] = [
    "DEZONE_CONFIG",
    "DEZONE_ADDR",
    "DEZONE_GEODATA",
    "DEZONE_GOVERNORATES",
    "DEZONE_BASE_URL",
    "DEZONE_MAX_BATCH_POINTS",
    "DEZONE_MAX_BODY_BYTES",
    "DEZONE_FRAME_ANCESTORS",
    "DEZONE_LOG_FORMAT",
];

/// Writes a configuration file of this test's own.
fn config_file(name: &str, text: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

fn dezone(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args).env("RUST_LOG", "info");
    for variable in VARIABLES {
        command.env_remove(variable);
    }
    command.envs(env.iter().copied());
    command
}

/// A running server and its stderr, line by line.
struct Server {
    child: Child,
    lines: Receiver<String>,
}

impl Server {
    fn start(mut command: Command) -> Self {
        let mut child = command
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                if tx.send(line.unwrap_or_default()).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// The JSON log lines up to and including "listening on `http://ADDR`",
    /// and ADDR.
    fn json_lines_until_listening(&self) -> (Vec<Value>, String) {
        let mut events = Vec::new();
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(20))
                .expect("the server did not start");
            let event: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            assert!(event.is_object(), "{line}");
            let message = event["fields"]["message"].as_str().unwrap_or_default();
            if let Some(addr) = message.strip_prefix("listening on http://") {
                let addr = addr.to_owned();
                events.push(event);
                return (events, addr);
            }
            events.push(event);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends one HTTP/1.1 request; returns the status and the body.
fn request(addr: &str, head: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "{head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (headers, body) = raw.split_once("\r\n\r\n").unwrap();
    (headers[9..12].parse().unwrap(), body.to_owned())
}

#[test]
fn json_start_up_line_names_every_setting_and_ranks_flag_env_file_default() {
    let path = config_file(
        "e2e-precedence",
        "# every source at once\n\
         max_batch_points = 2\n\
         max_body_bytes = 1000\n\
         base_url = \"http://file.example\"\n\
         frame_ancestors = \"'self'\"\n",
    );
    let server = Server::start(dezone(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--config",
            path.to_str().unwrap(),
            "--log-format",
            "json",
            "--base-url",
            "http://flag.example",
        ],
        &[("DEZONE_MAX_BODY_BYTES", "4096")],
    ));
    let (events, addr) = server.json_lines_until_listening();

    let effective: Vec<&Value> = events
        .iter()
        .filter(|e| e["fields"]["message"] == "effective configuration")
        .collect();
    assert_eq!(effective.len(), 1, "one event: {events:?}");
    let event = effective[0];
    assert_eq!(event["level"], "INFO");
    let fields = event["fields"].as_object().unwrap();
    let setting = |key: &str| {
        (
            fields.get(key).and_then(Value::as_str),
            fields[&format!("{key}.source")].as_str().unwrap(),
        )
    };
    assert_eq!(
        setting("config"),
        (Some(path.to_str().unwrap()), "flag"),
        "{fields:?}"
    );
    assert_eq!(setting("addr"), (Some("127.0.0.1:0"), "flag"));
    assert_eq!(setting("log_format"), (Some("json"), "flag"));
    assert_eq!(setting("base_url"), (Some("http://flag.example"), "flag"));
    assert_eq!(setting("max_body_bytes"), (Some("4096"), "env"));
    assert_eq!(setting("max_batch_points"), (Some("2"), "file"));
    assert_eq!(setting("frame_ancestors"), (Some("'self'"), "file"));
    assert_eq!(setting("geodata"), (None, "default"));
    assert_eq!(setting("governorates"), (None, "default"));

    // Every setting of dezone.example.toml is named, and nothing else.
    let mut named: Vec<&str> = fields
        .keys()
        .filter_map(|k| k.strip_suffix(".source"))
        .collect();
    named.sort_unstable();
    let mut expected = dezone::config::file_keys();
    expected.push("config".to_owned());
    expected.sort_unstable();
    assert_eq!(named, expected);

    // The values took effect: the file's batch limit, the flag's base URL.
    let (status, body) = request(
        &addr,
        "POST /locate HTTP/1.1\r\nContent-Type: application/json",
        b"[[36.63,35.93],[36.30,33.51],[36.4,33.5]]",
    );
    assert_eq!(status, 413, "{body}");
    let (status, body) = request(&addr, "GET /zones HTTP/1.1", b"");
    assert_eq!(status, 200);
    assert!(
        body.contains("\"http://flag.example/zones/idlib\""),
        "{body}"
    );
}

#[test]
fn dezone_config_variable_names_the_file_and_text_is_the_default_format() {
    let path = config_file("e2e-variable", "max_batch_points = 3\n");
    let server = Server::start(dezone(
        &["serve", "--addr", "127.0.0.1:0"],
        &[("DEZONE_CONFIG", path.to_str().unwrap())],
    ));
    let line = server
        .lines
        .recv_timeout(Duration::from_secs(20))
        .expect("the server did not start");
    assert!(
        serde_json::from_str::<Value>(&line).is_err(),
        "text, not JSON: {line}"
    );
    assert!(line.contains("effective configuration"), "{line}");
    assert!(
        line.contains(&format!(
            "config={:?} config.source=\"env\"",
            path.to_str().unwrap()
        )),
        "{line}"
    );
    assert!(
        line.contains("max_batch_points=\"3\" max_batch_points.source=\"file\""),
        "{line}"
    );
    assert!(
        line.contains("log_format=\"text\" log_format.source=\"default\""),
        "{line}"
    );
}

#[test]
fn log_format_from_the_file_applies_to_the_first_line() {
    let path = config_file("e2e-json-file", "log_format = \"json\"\n");
    let server = Server::start(dezone(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--config",
            path.to_str().unwrap(),
        ],
        &[],
    ));
    let (events, _) = server.json_lines_until_listening();
    assert_eq!(events[0]["fields"]["log_format.source"], "file");
}

#[test]
fn unknown_key_stops_start_up_naming_file_line_key_and_nearest_key() {
    let path = config_file(
        "e2e-unknown",
        "addr = \"127.0.0.1:0\"\nmax_batch_point = 5\n",
    );
    let output = dezone(&["serve", "--config", path.to_str().unwrap()], &[])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!(
            "dezone: {}:2: unknown key `max_batch_point`: did you mean `max_batch_points`?",
            path.display()
        )),
        "{stderr}"
    );
}

#[test]
fn bad_file_value_is_refused_even_where_a_flag_overrides_it() {
    // A bad value in the file is refused even when a flag would override it:
    // the file is checked whole, so that it is never half right.
    let path = config_file("e2e-bad", "max_body_bytes = \"lots\"\n");
    let output = dezone(
        &[
            "serve",
            "--config",
            path.to_str().unwrap(),
            "--max-body-bytes",
            "1000",
        ],
        &[],
    )
    .output()
    .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(":1: `max_body_bytes` = \"lots\" is not valid: invalid digit"),
        "{stderr}"
    );
}
