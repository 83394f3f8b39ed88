# SPDX-License-Identifier: GPL-2.0
# bash completion for ackguardctl(8)

_ackguardctl_reply()
{
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

_ackguardctl()
{
	local cur prev words cword
	_init_completion 2>/dev/null || {
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=${COMP_WORDS[COMP_CWORD-1]}
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
	}

	local commands="show set flows dump watch monitor stats flush help"
	local options="-j --json -p --pretty -n --netns"
	local cmd="" i

	# -n/--netns NAME: the names ip netns list knows (/run/netns)
	if [[ $prev == -n || $prev == --netns ]]; then
		_ackguardctl_reply "$(command ls /run/netns 2>/dev/null)"
		return
	fi
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-j | --json | -p | --pretty | --netns=*) ;;
		-n | --netns) ((i++)) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done

	if [[ -z $cmd ]]; then
		_ackguardctl_reply "$commands $options -h --help --version"
		return
	fi

	case $cmd in
	set)
		case $prev in
		mode) _ackguardctl_reply "off monitor enforce" ;;
		log) _ackguardctl_reply "on off" ;;
		interval) _ackguardctl_reply "10ms 100ms 1s" ;;
		flow-timeout) _ackguardctl_reply "30s 5m 1h" ;;
		burst | max-flows | storm-pps) ;;
		*) _ackguardctl_reply "mode interval burst max-flows flow-timeout storm-pps log" ;;
		esac
		;;
	flows | dump)
		case $prev in
		family) _ackguardctl_reply "inet inet6" ;;
		reason) _ackguardctl_reply "paws seq challenge synrecv finwait2 timewait" ;;
		--sort) _ackguardctl_reply "rate dropped seen" ;;
		addr | port | min-rate | --top) ;;
		*)
			if [[ $cmd == dump ]]; then
				_ackguardctl_reply "family addr port reason min-rate --sort --top"
			else
				_ackguardctl_reply "family addr port reason min-rate --sort --top -j -p"
			fi
			;;
		esac
		;;
	watch)
		case $prev in
		--interval | --count) ;;
		*) _ackguardctl_reply "--interval --count -j" ;;
		esac
		;;
	monitor)
		case $prev in
		--count | --timeout) ;;
		*) _ackguardctl_reply "--count --timeout -j" ;;
		esac
		;;
	stats)
		case $prev in
		-o | --output) _ackguardctl_reply "text json prometheus" ;;
		*) _ackguardctl_reply "-o" ;;
		esac
		;;
	esac
}
complete -F _ackguardctl ackguardctl
