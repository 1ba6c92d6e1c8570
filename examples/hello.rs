//! The minimal axum hello-world: one route, the default multi-thread tokio runtime, no
//! middleware. It is the ceiling `benches/load.sh` measures dezone against: requests per
//! second and server CPU time per request of `GET /` here are what an axum service on this
//! machine can do at best.
//!
//! `cargo run --release --example hello [-- ADDR]` (default `127.0.0.1:3999`).

use axum::{Router, routing::get};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3999".to_owned());
    let app = Router::new().route("/", get(|| async { "Hello, World!" }));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("hello listening on http://{addr}");
    axum::serve(listener, app).await
}
