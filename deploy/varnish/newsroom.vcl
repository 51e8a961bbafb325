# Newsroom's edge cache: Varnish 7 with the xkey vmod (Debian: varnish, varnish-modules).
#
# Readers are answered from here; the app tells this cache what to drop by key. Every cacheable
# answer names what it shows in a `Surrogate-Key` header ("article-12 section-3 home feed"); a
# PURGE from the app (newsroom.core.edge) names keys, and every stored page carrying one of them
# goes. Everything that differs per site (the app servers, who may purge, which proxies may say
# a request came over HTTPS) is in site.vcl, included below: edit that file, not this one.
#
# What is cached: anonymous GET and HEAD answers the app marks `public` (pages, feeds, sitemaps,
# static files), for as long as its Cache-Control says (s-maxage first). Never: the admin,
# previews and share links, the API (answers depend on the partner's key), health checks,
# anything sent with a session or CSRF cookie or an Authorization header, any answer that sets a
# cookie or is marked private / no-store / no-cache, any answer without a Cache-Control.
#
# Grace: stored answers are kept for hours past their lifetime. While the app servers are healthy
# a reader never gets a copy past its lifetime (a soft purge is therefore seen on the next
# request); while they are down or failing, or a fetch fails or comes back as a server error,
# readers get the last good copy (or a "briefly unavailable" page if there is none). A hard purge (a withdrawn story) removes copies outright, so no grace
# copy of them survives.

vcl 4.1;

import std;
import cookie;
import proxy;
import xkey;

# The app's liveness check: 200 while its database answers. Five slow or failed checks out of
# eight mark a server sick, and readers are answered from grace.
probe newsroom_healthz {
    .url = "/healthz";
    .interval = 2s;
    .timeout = 2s;
    .window = 8;
    .threshold = 5;
    .initial = 5;
    .expected_response = 200;
}

# Defines the app servers (probed with newsroom_healthz), `sub newsroom_backend` choosing one,
# `acl newsroom_purgers` and `acl newsroom_tls_proxies`.
include "./site.vcl";

sub vcl_recv {
    call newsroom_backend;
    if (req.restarts == 0) {
        # Our own markers (below) are never taken from a client.
        unset req.http.X-Newsroom-Lookup;
        unset req.http.X-Newsroom-Stale-If-Error;
    }

    # One id per request, from the edge to the app's logs: kept when a trusted proxy in front of
    # us made it (and it is sane), made here otherwise.
    if (!(client.ip ~ newsroom_tls_proxies && req.http.X-Request-ID ~ "^[A-Za-z0-9._-]{1,64}$")) {
        set req.http.X-Request-ID = "edge-" + server.identity + "-" + std.time2integer(now, 0) + "-" + req.xid;
    }
    # The scheme the reader used: from the PROXY protocol of a TLS terminator (hitch), from a
    # trusted proxy's header, otherwise plain HTTP. Never believed from anyone else.
    if (proxy.is_ssl()) {
        set req.http.X-Forwarded-Proto = "https";
    } elsif (!(client.ip ~ newsroom_tls_proxies && req.http.X-Forwarded-Proto ~ "^https?$")) {
        set req.http.X-Forwarded-Proto = "http";
    }

    if (req.method == "PURGE") {
        return (synth(900, "purge"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Per person, per partner or per server: never answered from the cache.
    if (req.url ~ "^/(admin|preview|api)(/|$)" || req.url ~ "^/(healthz|readyz)(\?|$)") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # Cookies: only Django's session and CSRF cookies mean anything to the app. Anyone carrying
    # one is somebody (an editor checking their work); every other cookie (analytics, consent)
    # is dropped so it neither reaches the app nor splits the cache.
    if (req.http.Cookie) {
        cookie.parse(req.http.Cookie);
        cookie.keep("sessionid,csrftoken");
        set req.http.Cookie = cookie.get_string();
        if (req.http.Cookie == "") {
            unset req.http.Cookie;
        } else {
            return (pass);
        }
    }
    # Campaign parameters change nothing on the page: one stored copy for all of them.
    if (req.url ~ "[?&](utm_[a-z]+|fbclid|gclid)=") {
        set req.url = regsuball(req.url, "(?<=[?&])(utm_[a-z]+|fbclid|gclid)=[^&]*&?", "");
        set req.url = regsub(req.url, "[?&]$", "");
    }
    # With healthy app servers, no copy past its lifetime; with sick ones, any copy in grace. On
    # a second look after an app server answered this request with a server error, any copy too.
    # (req.grace outlives a restart: set it either way. A copy's own grace still bounds it.)
    if (req.http.X-Newsroom-Stale-If-Error) {
        unset req.http.X-Newsroom-Stale-If-Error;
        set req.grace = 24h;
    } elsif (std.healthy(req.backend_hint)) {
        set req.grace = 0s;
    }
    set req.http.X-Newsroom-Lookup = "1";
    return (hash);
}

sub vcl_hash {
    # The same path over HTTP and HTTPS may answer differently (a redirect to HTTPS).
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_fetch {
    unset bereq.http.X-Newsroom-Lookup;
}

sub vcl_backend_response {
    # A server error never replaces a good copy (storing it would retire the copy in grace): the
    # fetch is abandoned and the reader is answered from grace (vcl_synth) or told to retry.
    if (beresp.status >= 500 && !bereq.uncacheable) {
        return (abandon);
    }
    # Keys for xkey: the app's Surrogate-Key, space-separated.
    if (beresp.http.Surrogate-Key) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    # Stored only when the app says the answer is public and nobody's own.
    if (bereq.uncacheable
        || beresp.http.Set-Cookie
        || beresp.http.Cache-Control !~ "(^|[ ,])public([ ,]|$)"
        || beresp.http.Cache-Control ~ "(^|[ ,])(private|no-store|no-cache)([ ,=]|$)"
        || beresp.http.Vary == "*") {
        # Remember "do not store" for a short while so requests for it are not queued behind each other.
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # Pages, feeds and JSON are stored compressed (the app sends them plain): 5-15 times fewer bytes
    # per reader; Varnish unzips for the rare client that does not accept gzip.
    if (beresp.http.Content-Type ~ "^(text/|application/([a-z+]*json|[a-z+]*xml))" && !beresp.http.Content-Encoding) {
        set beresp.do_gzip = true;
    }
    # beresp.ttl is already the app's s-maxage (or max-age). Keep a copy for hours beyond it, for
    # when the app servers are down.
    set beresp.grace = 6h;
    return (deliver);
}

# No app server answered (down, refusing connections, timed out): as for a server error.
sub vcl_backend_error {
    if (!bereq.uncacheable) {
        return (abandon);
    }
}

sub vcl_deliver {
    set resp.http.X-Request-ID = req.http.X-Request-ID;
    if (obj.hits > 0) {
        set resp.http.X-Cache = "hit";
    } else {
        set resp.http.X-Cache = "miss";
    }
    # The keys are for this cache (and the app); readers and crawlers need not see them.
    unset resp.http.Surrogate-Key;
    unset resp.http.Cache-Tag;
    unset resp.http.xkey;
    unset resp.http.Via;
    # Browsers revalidate on every view (the app's max-age=0); only shared caches keep copies.
}

# PURGE: only from the app servers. Headers: `Surrogate-Key: article-12 home` (the keys),
# `Purge-Mode: hard` to remove copies outright; a soft purge (the default) ends their lifetime
# but keeps them in grace for when the app servers are down.
sub vcl_synth {
    # A fetch was abandoned (see vcl_backend_response): look again, once, taking a copy in grace.
    if (resp.status == 503 && req.restarts == 0 && req.http.X-Newsroom-Lookup) {
        set req.http.X-Newsroom-Stale-If-Error = "1";
        return (restart);
    }
    if (resp.status == 503) {
        set resp.http.Retry-After = "5";
        set resp.http.Cache-Control = "no-store";
        set resp.http.X-Request-ID = req.http.X-Request-ID;
        set resp.http.Content-Type = "text/html; charset=utf-8";
        set resp.body = {"<!doctype html><html lang="en"><meta charset="utf-8"><title>Briefly unavailable</title><h1>Briefly unavailable</h1><p>We cannot reach our servers for a moment. Please try again shortly.</p></html>
"};
        return (deliver);
    }
    if (resp.status == 900) {
        if (client.ip !~ newsroom_purgers) {
            set resp.status = 403;
            set resp.reason = "Forbidden";
            set resp.http.Content-Type = "text/plain";
            set resp.body = "Purging is not allowed from " + client.ip + {"
"};
            return (deliver);
        }
        if (!req.http.Surrogate-Key) {
            set resp.status = 400;
            set resp.reason = "Bad Request";
            set resp.http.Content-Type = "text/plain";
            set resp.body = {"A purge names its keys in the Surrogate-Key header.
"};
            return (deliver);
        }
        if (req.http.Purge-Mode == "hard") {
            set resp.http.X-Purged = xkey.purge(req.http.Surrogate-Key);
        } else {
            set resp.http.X-Purged = xkey.softpurge(req.http.Surrogate-Key);
        }
        set resp.status = 200;
        set resp.reason = "OK";
        set resp.http.Content-Type = "text/plain";
        set resp.body = resp.http.X-Purged + {" objects purged
"};
        return (deliver);
    }
}
