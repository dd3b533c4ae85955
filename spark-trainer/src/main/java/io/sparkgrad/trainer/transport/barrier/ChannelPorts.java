package io.sparkgrad.trainer.transport.barrier;

import java.io.Serializable;

/**
 * Where the aggregation server may listen: any free port ({@code 0}), one fixed port ({@code 50100}) or an inclusive
 * range ({@code 50100-50200}) whose ports are tried in order, for clusters whose firewalls or Kubernetes
 * NetworkPolicies open only known ports to the driver.
 *
 * @param low  first port, 0 for any free port
 * @param high last port (equal to {@code low} for a single port)
 */
public record ChannelPorts(int low, int high) implements Serializable {

    /** Any free port, chosen by the operating system. */
    public static final ChannelPorts ANY = new ChannelPorts(0, 0);

    public ChannelPorts {
        if (!(low == 0 && high == 0) && (low < 1 || high > 65535 || low > high)) {
            throw new IllegalArgumentException("channel port range " + low + "-" + high + " is not within 1-65535 in increasing order");
        }
    }

    /**
     * Parses {@code 0}, {@code PORT} or {@code LOW-HIGH}.
     *
     * @throws IllegalArgumentException naming the value and the accepted forms
     */
    public static ChannelPorts parse(String spec) {
        String s = spec == null ? "" : spec.trim();
        String help = "channelPort '" + spec + "' is not valid: use a port 1-65535 (e.g. 50100), an inclusive range LOW-HIGH "
                + "(e.g. 50100-50200), or 0 for any free port";
        try {
            int dash = s.indexOf('-');
            if (dash < 0) {
                int port = Integer.parseInt(s);
                if (port == 0) {
                    return ANY;
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException(help);
                }
                return new ChannelPorts(port, port);
            }
            int low = Integer.parseInt(s.substring(0, dash).trim());
            int high = Integer.parseInt(s.substring(dash + 1).trim());
            if (low < 1 || high > 65535 || low > high) {
                throw new IllegalArgumentException(help);
            }
            return new ChannelPorts(low, high);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(help, e);
        }
    }

    boolean any() {
        return low == 0;
    }

    @Override
    public String toString() {
        return any() ? "any free port" : low == high ? String.valueOf(low) : low + "-" + high;
    }
}
