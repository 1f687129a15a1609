//! The script and style sheet, compiled into the binary so that one file is the whole product.

use axum::http::header;
use axum::response::IntoResponse;

const SCRIPT: &str = include_str!("../../static/app.js");
const PALETTE: &str = include_str!("../../static/palette.js");
const BOARD: &str = include_str!("../../static/board.js");
const STYLE: &str = include_str!("../../static/app.css");

/// Short caching: a new binary's assets reach browsers within minutes.
const CACHE: &str = "public, max-age=300";

pub async fn script() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], SCRIPT)
}

/// The header's search and command palette, a module the script imports.
pub async fn palette() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], PALETTE)
}

/// Dragging the board's cards, a module the script imports.
pub async fn board() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], BOARD)
}

pub async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, CACHE)], STYLE)
}
