//! The real binary, over real HTTP on 127.0.0.1, and its command line.

#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

use std::{
    io::{BufRead as _, BufReader, Read as _, Write as _},
    net::TcpStream,
    process::{Child, Command, Stdio},
    time::Duration,
};

const BIN: &str = env!("CARGO_BIN_EXE_dezone");

struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let line = line.unwrap_or_default();
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the server did not start");
        Self { child, addr }
    }

    /// Sends one HTTP/1.1 request and returns (status, headers, body).
    fn request(&self, head: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(
            stream,
            "{head}\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            body.len()
        )
        .unwrap();
        stream.write_all(body).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let headers = String::from_utf8_lossy(&raw[..split]).to_string();
        let status = headers[9..12].parse().unwrap();
        (status, headers, raw[split + 4..].to_vec())
    }

    fn stop(mut self) -> std::process::ExitStatus {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn json(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice(body).unwrap()
}

#[test]
fn real_binary_serves_locate_zones_and_problems_then_stops_on_sigterm() {
    let server = Server::start(&[]);

    let (status, _, body) = server.request("GET /locate?lon=36.63&lat=35.93 HTTP/1.1", b"");
    assert_eq!(status, 200);
    assert_eq!(json(&body)["zones"][0]["id"], "idlib");

    let (status, headers, body) = server.request("GET /collections/zones/items HTTP/1.1", b"");
    assert_eq!(status, 200);
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("content-type: application/geo+json")
    );
    assert_eq!(json(&body)["features"].as_array().unwrap().len(), 4);

    let (status, headers, body) = server.request(
        "POST /locate HTTP/1.1\r\nContent-Type: application/json",
        br#"{"type":"MultiPoint","coordinates":[[36.63,35.93],[36.30,33.51]]}"#,
    );
    assert_eq!(status, 200, "{headers}");
    assert_eq!(json(&body)["results"].as_array().unwrap().len(), 2);

    let (status, headers, body) = server.request("GET /locate?lon=36.63&lat=abc HTTP/1.1", b"");
    assert_eq!(status, 400);
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("content-type: application/problem+json")
    );
    assert_eq!(json(&body)["parameter"], "lat");

    let (status, _, body) = server.request("GET /docs/ HTTP/1.1", b"");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("swagger"));

    let exit = server.stop();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
}

/// The names of the process's threads that start with `prefix`, each once
/// (a server thread's helpers, if any, carry its name).
#[cfg(target_os = "linux")]
/// Every answer may be read by any origin, whether the request named one or
/// not: a shared cache may give an answer stored for curl or GDAL to a map
/// page on another origin (Fetch, "CORS protocol and HTTP caches").
#[test]
fn answers_without_an_origin_carry_cors_headers_too() {
    let server = Server::start(&[]);
    for target in [
        "/locate?lon=36.63&lat=35.93",
        "/collections/zones/items",
        "/zones",
        "/api",
        "/locate?lon=36.63&lat=abc",
        "/no-such-page",
    ] {
        let (_, headers, _) = server.request(&format!("GET {target} HTTP/1.1"), b"");
        let headers = headers.to_ascii_lowercase();
        assert!(
            headers.contains("access-control-allow-origin: *"),
            "{target}: {headers}"
        );
        assert!(
            headers.contains("access-control-expose-headers: etag"),
            "{target}: {headers}"
        );
        assert!(!headers.contains("vary: origin"), "{target}: {headers}");
    }
    server.stop();
}

fn thread_names(pid: u32, prefix: &str) -> std::collections::BTreeSet<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|task| std::fs::read_to_string(task.unwrap().path().join("comm")).ok())
        .map(|name| name.trim_end().to_owned())
        .filter(|name| name.starts_with(prefix))
        .collect()
}

#[cfg(target_os = "linux")]
#[test]
fn threads_serve_and_answer_batches_one_per_core_or_as_many_as_asked() {
    let batch = (
        "POST /locate HTTP/1.1\r\nContent-Type: application/json",
        &br"[[36.63,35.93],[36.30,33.51],[38.0,35.0]]"[..],
    );
    let cores = std::thread::available_parallelism().unwrap().get();
    for (args, count) in [
        (&[][..], cores),
        (&["--threads", "3"][..], 3),
        (&["--threads", "1"][..], 1),
    ] {
        let server = Server::start(args);
        let (status, _, body) = server.request(batch.0, batch.1);
        assert_eq!(status, 200);
        assert_eq!(json(&body)["results"].as_array().unwrap().len(), 3);
        let pid = server.child.id();
        for kind in ["server", "batch"] {
            let prefix = format!("dz-{kind}-");
            let expected = (0..count).map(|n| format!("{prefix}{n}")).collect();
            // A new thread names itself once it first runs, which on a busy
            // machine can come after the answer.
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            let mut names = thread_names(pid, &prefix);
            while names != expected && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
                names = thread_names(pid, &prefix);
            }
            assert_eq!(names, expected, "{args:?}");
        }
        assert!(server.stop().success());
    }
}

#[test]
fn serve_refuses_a_thread_count_out_of_range_naming_the_flag() {
    for value in ["0", "1025", "many"] {
        let out = Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0", "--threads", value])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--threads"), "{value}: {stderr}");
    }
}

#[test]
fn links_are_absolute_to_the_listening_address_unless_a_base_url_is_given() {
    let server = Server::start(&[]);
    let (status, _, body) = server.request("GET /collections HTTP/1.1", b"");
    assert_eq!(status, 200);
    let expected = format!("http://{}/collections", server.addr);
    assert!(
        json(&body)["links"][0]["href"]
            .as_str()
            .unwrap()
            .starts_with(&expected),
        "{}",
        String::from_utf8_lossy(&body)
    );
    server.stop();

    let server = Server::start(&["--base-url", "https://maps.example.org/dezone/"]);
    let (_, _, body) = server.request("GET /collections HTTP/1.1", b"");
    assert_eq!(
        json(&body)["links"][0]["href"],
        "https://maps.example.org/dezone/collections?f=json"
    );
    server.stop();
}

/// What `dezone serve --geodata PATH` prints to stderr, which must refuse it.
fn serve_refuses(path: &str) -> String {
    let out = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--geodata", path])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{path} was served");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn serve_refuses_bad_geodata_naming_the_file_and_fault() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/bad/overlap.geojson"
    );
    let stderr = serve_refuses(path);
    assert!(
        stderr.contains(path) && stderr.contains("overlap"),
        "{stderr}"
    );
    // A file that is missing, and one that is not JSON: each cause said once.
    for (path, cause) in [
        ("/nonexistent/zones.geojson", "No such file or directory"),
        (
            concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"),
            "expected value at line 1",
        ),
    ] {
        let stderr = serve_refuses(path);
        assert!(stderr.contains(path), "{stderr}");
        assert_eq!(stderr.matches(cause).count(), 1, "{stderr}");
    }
}

#[test]
fn serve_uses_the_file_given_with_geodata() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/boxes-in-syria.geojson"
    );
    let server = Server::start(&["--geodata", path]);
    let (status, _, body) = server.request("GET /zones/eastern-ghouta HTTP/1.1", b"");
    assert_eq!(status, 200);
    assert_eq!(
        json(&body)["source"],
        "Test fixture: boxes inside Syria, not the real zones"
    );
    server.stop();
}

#[test]
fn locate_command_prints_the_same_answer_as_the_api() {
    let server = Server::start(&[]);
    for (args, query) in [
        (&["36.63", "35.93"][..], "lon=36.63&lat=35.93"),
        (
            &["36.40", "33.55", "--at", "2017-09-01"][..],
            "lon=36.40&lat=33.55&at=2017-09-01",
        ),
        (&["35.9167", "35.35"][..], "lon=35.9167&lat=35.35"),
    ] {
        let out = Command::new(BIN).arg("locate").args(args).output().unwrap();
        assert!(out.status.success());
        let (status, _, by_api) = server.request(&format!("GET /locate?{query} HTTP/1.1"), b"");
        assert_eq!(status, 200);
        assert_eq!(json(&out.stdout), json(&by_api), "{args:?}");
    }
    server.stop();

    let out = Command::new(BIN)
        .args(["locate", "36.63", "35.93"])
        .output()
        .unwrap();
    let answer = json(&out.stdout);
    assert_eq!(answer["zones"][0]["id"], "idlib");
    assert!(
        answer["data"]["version"]
            .as_str()
            .is_some_and(|v| v.len() == 16),
        "{answer}"
    );

    let out = Command::new(BIN)
        .args(["locate", "-74.0", "40.7"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "negative longitudes are numbers, not flags"
    );
    assert_eq!(json(&out.stdout)["inside"], false);

    let out = Command::new(BIN)
        .args(["locate", "36.6", "95"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("lat must be a latitude"));
}

#[test]
fn validate_command_reports_good_and_bad_files() {
    let good = concat!(env!("CARGO_MANIFEST_DIR"), "/geodata/zones.geojson");
    let out = Command::new(BIN).args(["validate", good]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("valid, 4 zones") && stdout.contains("eastern-ghouta"),
        "{stdout}"
    );

    let bad = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/bad/unclosed-ring.geojson"
    );
    let out = Command::new(BIN).args(["validate", bad]).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("feature idlib") && stderr.contains("not closed"),
        "{stderr}"
    );
}

#[test]
fn validate_command_notes_rings_it_reoriented() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/clockwise.geojson"
    );
    let out = Command::new(BIN).args(["validate", path]).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "feature idlib: rings wound against the RFC 7946 right-hand rule were re-oriented"
        ),
        "{stdout}"
    );
}

#[test]
fn validate_and_serve_refuse_a_zone_outside_syria() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/bad/outside-syria.geojson"
    );
    for args in [
        vec!["validate", path],
        vec!["serve", "--addr", "127.0.0.1:0", "--geodata", path],
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(path) && stderr.contains("zone southern reaches outside Syria"),
            "{stderr}"
        );
    }
}

#[test]
fn commands_whose_output_cannot_be_written_end_without_a_panic() {
    // A reader that reads nothing and goes away, as `| head -c 10` does
    // after its bytes: the 70 KB document fills the pipe, and the write fails.
    let mut child = Command::new(BIN)
        .arg("openapi")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "{stderr}");

    // A full disk is an error, said in one line.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(BIN)
        .args(["locate", "36.63", "35.93"])
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("dezone: cannot write to standard output")
            && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn locate_command_takes_a_date() {
    let out = Command::new(BIN)
        .args(["locate", "36.40", "33.55", "--at", "2018-06-01"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let answer = json(&out.stdout);
    assert_eq!(
        answer["inside"], false,
        "Eastern Ghouta ended on 2018-04-14"
    );
    assert_eq!(answer["governorate"]["pcode"], "SY03");
}

#[test]
fn openapi_command_prints_the_committed_document() {
    let out = Command::new(BIN).arg("openapi").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        include_str!("../openapi/openapi.json")
    );
}
