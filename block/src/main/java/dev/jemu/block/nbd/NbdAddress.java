package dev.jemu.block.nbd;

import dev.jemu.block.BlockException;
import dev.jemu.block.BlockOptions;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Where an NBD export is: a TCP host and port or a unix socket path, plus the export name.
 * Parsed from QEMU's URIs ({@code nbd://host[:port]/export}, {@code nbd+tcp://...},
 * {@code nbd+unix:///export?socket=PATH}) or from {@code server.type=inet|unix},
 * {@code server.host}, {@code server.port}, {@code server.path} and {@code export} options.
 *
 * @param host TCP host, or null for a unix socket
 * @param port TCP port
 * @param socket unix socket path, or null for TCP
 * @param export export name ("" for the default export)
 */
public record NbdAddress(String host, int port, String socket, String export) {

    /** Whether {@code filename} is an NBD URI this class parses. */
    public static boolean isUri(String filename) {
        return filename.startsWith("nbd://") || filename.startsWith("nbd+tcp://") || filename.startsWith("nbd+unix://");
    }

    /** Parses an NBD URI; the error names the URI and what is wrong with it. */
    public static NbdAddress parseUri(String text) throws BlockException {
        if (!text.contains("://") && !text.startsWith("nbd:")) {
            throw new BlockException("File name string for NBD must start with 'nbd:'");
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new BlockException("Invalid NBD URI '" + text + "': " + e.getReason());
        }
        String scheme = uri.getScheme();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String export = URLDecoder.decode(path.startsWith("/") ? path.substring(1) : path, StandardCharsets.UTF_8);
        String query = uri.getRawQuery();
        if ("nbd+unix".equals(scheme)) {
            if (uri.getHost() != null || uri.getPort() != -1) {
                throw new BlockException("Invalid NBD URI '" + text + "': nbd+unix takes no host or port");
            }
            String socket = null;
            if (query != null) {
                for (String part : query.split("&")) {
                    if (part.startsWith("socket=")) {
                        socket = URLDecoder.decode(part.substring(7), StandardCharsets.UTF_8);
                    } else {
                        throw new BlockException("Invalid NBD URI '" + text + "': unknown parameter '" + part + "'");
                    }
                }
            }
            if (socket == null || socket.isEmpty()) {
                throw new BlockException("Invalid NBD URI '" + text + "': nbd+unix needs ?socket=PATH");
            }
            return new NbdAddress(null, 0, socket, export);
        }
        if (!"nbd".equals(scheme) && !"nbd+tcp".equals(scheme)) {
            throw new BlockException("Invalid NBD URI '" + text + "': scheme must be nbd, nbd+tcp or nbd+unix");
        }
        if (query != null) {
            throw new BlockException("Invalid NBD URI '" + text + "': nbd:// takes no parameters");
        }
        String host = uri.getHost();
        int port = uri.getPort();
        String authority = uri.getRawAuthority();
        if (host == null && authority != null && !authority.contains("@") && !authority.startsWith("[")) {
            // Not a valid host name or address to java.net.URI (999.1.1.1): qemu takes it as a
            // name, which then fails to resolve; so does connect.
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            if (colon >= 0) {
                try {
                    port = Integer.parseInt(authority.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new BlockException("Invalid NBD URI '" + text + "': bad port '" + authority.substring(colon + 1)
                            + "'");
                }
            }
        }
        if (host == null || host.isEmpty()) {
            throw new BlockException("Invalid NBD URI '" + text + "': missing host");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (port == -1) {
            port = Nbd.DEFAULT_PORT;
        }
        return new NbdAddress(host, port, null, export);
    }

    /**
     * Reads {@code filename} (an NBD URI) or the {@code server.*} and {@code export} options,
     * marking them used.
     */
    public static NbdAddress fromOptions(BlockOptions opts) throws BlockException {
        String filename = opts.get("filename");
        BlockOptions server = opts.child("server");
        String export = opts.get("export");
        if (filename != null) {
            if (server != null || export != null) {
                throw new BlockException("nbd: 'filename' cannot be combined with 'server.*' or 'export'");
            }
            return parseUri(filename);
        }
        if (server == null) {
            throw new BlockException("nbd: a server address is needed (filename=nbd://... or server.type=...)");
        }
        String type = server.get("type", "inet");
        NbdAddress address;
        switch (type) {
            case "inet" -> {
                String host = server.get("host");
                if (host == null) {
                    throw new BlockException("nbd: server.host is needed with server.type=inet");
                }
                String port = server.get("port", Integer.toString(Nbd.DEFAULT_PORT));
                int p;
                try {
                    p = Integer.parseInt(port);
                } catch (NumberFormatException e) {
                    p = -1;
                }
                if (p < 1 || p > 65535) {
                    throw new BlockException("nbd: server.port '" + port + "' is not a port number");
                }
                address = new NbdAddress(host, p, null, export == null ? "" : export);
            }
            case "unix" -> {
                String path = server.get("path");
                if (path == null) {
                    throw new BlockException("nbd: server.path is needed with server.type=unix");
                }
                address = new NbdAddress(null, 0, path, export == null ? "" : export);
            }
            default -> throw new BlockException("nbd: server.type must be 'inet' or 'unix', not '" + type + "'");
        }
        server.checkAllUsed("nbd");
        return address;
    }

    /** The URI form, for messages and {@code info}. */
    @Override
    public String toString() {
        if (socket != null) {
            return "nbd+unix:///" + export + "?socket=" + socket;
        }
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "nbd://" + h + ":" + port + "/" + export;
    }
}
