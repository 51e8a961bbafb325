# What differs per site, included by newsroom.vcl: edit this file, not that one.

vcl 4.1;

import directors;

# The app servers (gunicorn), each checked with newsroom.vcl's probe. Add one block per server
# and add it to the director below. host_header is the site's name as ALLOWED_HOSTS knows it:
# the probe's requests carry it too.
backend app1 {
    .host = "127.0.0.1";
    .port = "8000";
    .host_header = "localhost";
    .probe = newsroom_healthz;
    .connect_timeout = 1s;
    .first_byte_timeout = 30s;
}

sub vcl_init {
    new newsroom_app = directors.round_robin();
    newsroom_app.add_backend(app1);
}

sub newsroom_backend {
    set req.backend_hint = newsroom_app.backend();
}

# Who may send PURGE: the app servers and task workers (EDGE_PURGE_URLS points at this cache).
acl newsroom_purgers {
    "127.0.0.1";
    "::1";
}

# Proxies in front of this cache whose X-Forwarded-Proto and X-Request-ID are believed (a TLS
# terminator or load balancer). Requests over the PROXY protocol say for themselves.
acl newsroom_tls_proxies {
    "127.0.0.1";
    "::1";
}
