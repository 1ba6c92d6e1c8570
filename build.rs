//! Embeds the map page's files (`GET /map`): the map library, Leaflet, taken
//! from npm as a pinned dependency (`web/package.json`, `web/package-lock.json`),
//! and dezone's own `web/map.js` and `web/map.css`.
//!
//! When `web/node_modules` lacks the library, or holds a different install than
//! the lockfile describes, this runs `npm ci` in `web/`. Without npm the build
//! fails with a message saying what to install: a map page without its library
//! is not acceptable. The files are copied into `OUT_DIR` and listed in
//! `OUT_DIR/web_assets.rs`, which `src/http/map.rs` includes; the crate itself
//! never reads `web/` at run time.
//!
//! Cargo reruns this script only when the lockfile, the package manifest, the
//! page's own files or the installed library files change, so npm does not run
//! on every build.

use std::{
    env,
    fmt::Write as _,
    fs,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

/// Files served under `/map/assets/`: (name stem, extension, path under `web/`).
const ASSETS: [(&str, &str, &str); 4] = [
    ("leaflet", "js", "node_modules/leaflet/dist/leaflet.js"),
    ("leaflet", "css", "node_modules/leaflet/dist/leaflet.css"),
    ("map", "js", "map.js"),
    ("map", "css", "map.css"),
];

/// Where a successful `npm ci` leaves a copy of the lockfile it installed, so a
/// changed lockfile triggers a fresh install.
const STAMP: &str = "node_modules/.dezone-installed-package-lock.json";

fn main() -> ExitCode {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let web = manifest.join("web");
    for file in ["package.json", "package-lock.json", "map.js", "map.css"] {
        println!("cargo:rerun-if-changed=web/{file}");
    }
    for (_, _, path) in ASSETS
        .iter()
        .filter(|(_, _, p)| p.starts_with("node_modules/"))
    {
        println!("cargo:rerun-if-changed=web/{path}");
    }
    println!(
        "cargo:rerun-if-changed={}",
        Path::new("web").join(STAMP).display()
    );
    println!("cargo:rerun-if-env-changed=DEZONE_NPM");

    if let Err(message) = install(&web).and_then(|()| embed(&web)) {
        eprintln!("\nerror: dezone's map page cannot be built\n\n{message}\n");
        println!("cargo:warning=dezone: {}", first_line(&message));
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// Runs `npm ci` in `web` unless the lockfile's install is already there.
fn install(web: &Path) -> Result<(), String> {
    let lock = fs::read(web.join("package-lock.json"))
        .map_err(|e| format!("cannot read web/package-lock.json: {e}"))?;
    let installed = ASSETS
        .iter()
        .filter(|(_, _, path)| path.starts_with("node_modules/"))
        .all(|(_, _, path)| web.join(path).is_file());
    if installed && fs::read(web.join(STAMP)).is_ok_and(|stamp| stamp == lock) {
        return Ok(());
    }
    let npm = env::var("DEZONE_NPM").unwrap_or_else(|_| "npm".to_owned());
    let ci = env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0");
    println!("cargo:warning=dezone: installing the map library: {npm} ci in web/");
    let status = Command::new(&npm)
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .args(ci.then_some("--loglevel=error"))
        .current_dir(web)
        .status()
        .map_err(|e| {
            format!(
                "`{npm} ci` could not be started in web/ ({e}).\n\
                 The map page (GET /map) embeds the Leaflet map library from npm, pinned in\n\
                 web/package-lock.json, so the build needs Node.js and npm once (later builds\n\
                 reuse web/node_modules). Install them, e.g. `apt-get install -y npm` on Debian\n\
                 or from https://nodejs.org/, then build again; or set DEZONE_NPM to npm's path.{}",
                if ci {
                    "\n(CI is set: the build fails rather than build a page without its library.)"
                } else {
                    ""
                }
            )
        })?;
    if !status.success() {
        return Err(format!(
            "`{npm} ci` in web/ failed ({status}); its output is above.\n\
             It needs the npm registry (or a configured mirror) once, to fetch the version\n\
             pinned in web/package-lock.json."
        ));
    }
    fs::write(web.join(STAMP), &lock).map_err(|e| format!("cannot write web/{STAMP}: {e}"))
}

/// Copies the files into `OUT_DIR` and writes the table `src/http/map.rs` includes.
fn embed(web: &Path) -> Result<(), String> {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let mut table = String::from(
        "/// The files served under `/map/assets/` (name stem, extension, bytes), written by `build.rs`.\n\
         pub const WEB_ASSETS: &[(&str, &str, &[u8])] = &[\n",
    );
    for (stem, extension, path) in ASSETS {
        let source = web.join(path);
        let file = format!("{stem}.{extension}");
        let bytes =
            fs::read(&source).map_err(|e| format!("cannot read {}: {e}", source.display()))?;
        write_if_changed(&out.join(&file), &bytes)?;
        writeln!(
            table,
            "    ({stem:?}, {extension:?}, include_bytes!(concat!(env!(\"OUT_DIR\"), \"/{file}\"))),"
        )
        .map_err(|e| e.to_string())?;
    }
    table.push_str("];\n");
    write_if_changed(&out.join("web_assets.rs"), table.as_bytes())
}

/// Writes `bytes` to `path` unless it already holds them, keeping its mtime.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if fs::read(path).is_ok_and(|old| old == bytes) {
        return Ok(());
    }
    fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}
