//! `cargo xtask` — developer tasks for dezone.
//!
//! * `cargo xtask geodata` rebuilds `geodata/zones.geojson` from `geodata/sources/*` and the
//!   recipe files in `geodata/recipe/`, `geodata/governorates.geojson` from the OCHA
//!   governorates, and `geodata/coast.geojson` from the OCHA outline and the sea mask.
//! * `cargo xtask geodata --check` rebuilds in memory and fails if any committed file
//!   differs byte for byte (run in CI).
//! * `cargo xtask geodata --report` also prints the areas, anchor checks and the
//!   simplification figures of the governorates layer.

mod coast;
mod geom;
mod governorates;
mod output;
mod recipe;
mod sources;
mod topology;
mod zones;

#[cfg(test)]
mod governorates_tests;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(task) = args.first() else {
        bail!("usage: cargo xtask geodata [--check] [--report]");
    };
    if task != "geodata" {
        bail!("unknown task `{task}`; usage: cargo xtask geodata [--check] [--report]");
    }
    let mut check = false;
    let mut report = false;
    for flag in &args[1..] {
        match flag.as_str() {
            "--check" => check = true,
            "--report" => report = true,
            other => bail!("unknown flag `{other}`"),
        }
    }
    let root = repo_root();
    let built = zones::build(&root)?;
    let layer = governorates::build(&built.sources)?;
    let band = coast::build(&root, &built.sources)?;
    let files = [
        ("zones.geojson", output::feature_collection(&built)),
        (
            "governorates.geojson",
            output::governorates_collection(&layer),
        ),
        ("coast.geojson", output::coast_collection(&band)),
    ];
    if report {
        zones::print_report(&root, &built)?;
        governorates::print_report(&root, &built.sources, &layer, files[1].1.len())?;
        coast::print_report(&band, files[2].1.len());
    }
    let mut ok = true;
    for (name, text) in &files {
        let path = root.join("geodata").join(name);
        if check {
            let committed = std::fs::read(&path).unwrap_or_default();
            if committed == text.as_bytes() {
                println!("geodata/{name} is up to date ({} bytes)", text.len());
            } else {
                eprintln!(
                    "geodata/{name} differs from the recipe output ({} vs {} bytes); run `cargo xtask geodata`",
                    committed.len(),
                    text.len()
                );
                ok = false;
            }
        } else {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {} ({} bytes)", path.display(), text.len());
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
