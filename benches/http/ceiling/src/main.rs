//! The HTTP layer alone on plain actix-web with one worker: `GET /json` answers a constant,
//! `POST /echo` answers the request body, `GET /big` the bytes of the file given as the second
//! argument (the benchmark's 1000 objects, already encoded). What these cost is the ceiling
//! for any Python server built on actix. `BOLT_CEILING_RAW=1` serves `/json` from actix-http
//! directly (no actix-web `App`), the layer django-bolt's server uses.

use actix_web::{web, App, HttpResponse, HttpServer};

const BODY: &str = r#"{"message":"Hello, World!"}"#;

async fn json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(BODY)
}

async fn echo(body: web::Bytes) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(body)
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).unwrap_or(8000);
    let big = match args.next() {
        Some(path) => web::Bytes::from(std::fs::read(path)?),
        None => web::Bytes::new(),
    };
    let raw_http = std::env::var_os("BOLT_CEILING_RAW").is_some();
    actix_rt::System::new().block_on(async move {
        if raw_http {
            return actix_server::Server::build()
                .workers(1)
                .bind("ceiling", ("127.0.0.1", port), || {
                    actix_http::HttpService::build()
                        .finish(|_req: actix_http::Request| async {
                            let mut res =
                                actix_http::Response::with_body(actix_http::StatusCode::OK, BODY);
                            res.headers_mut().insert(
                                actix_http::header::CONTENT_TYPE,
                                actix_http::header::HeaderValue::from_static("application/json"),
                            );
                            Ok::<_, std::convert::Infallible>(res)
                        })
                        .tcp()
                })?
                .run()
                .await;
        }
        HttpServer::new(move || {
            let big = big.clone();
            App::new()
                .app_data(web::PayloadConfig::new(16 << 20))
                .route("/json", web::get().to(json))
                .route("/echo", web::post().to(echo))
                .route(
                    "/big",
                    web::get().to(move || {
                        let big = big.clone();
                        async move {
                            HttpResponse::Ok()
                                .content_type("application/json")
                                .body(big)
                        }
                    }),
                )
        })
        .workers(1)
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })
}
