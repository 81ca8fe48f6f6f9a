# SPDX-License-Identifier: BSD-3-Clause
# bash completion for bootchain(1): commands and subcommands as `bootchain help
# --commands` lists them (the tables the program runs), options as each command's
# --help shows them, PCR selections (sha1:, sha256:, sha384:, then PCRs), else files.
# Both come from the bootchain being completed, so they cannot drift from it.

# The words (commands, or verbs of the words given) of the program $1.
_bootchain_words()
{
	local prog=$1
	shift
	"$prog" help --commands "$@" 2>/dev/null
}

# The long options that `PROG WORDS... --help` shows.
_bootchain_options()
{
	local prog=$1
	shift
	"$prog" "$@" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}

# A PCR selection, BANK:PCRS[+BANK:PCRS...]: the banks, then PCR numbers and ranges.
_bootchain_pcrs()
{
	local cur=$1 head="" part=$1 bank
	case $cur in *+*) head=${cur%+*}+ part=${cur##*+} ;; esac
	if [[ $part == *:* ]]; then
		bank=${part%%:*}
		local list=${part#*:} lead=""
		case $list in *,*) lead=${list%,*}, ;; esac
		COMPREPLY=($(compgen -P "$head$bank:$lead" -W "$(echo 0-7 0-23 {0..23})" -- "${list##*,}"))
	else
		COMPREPLY=($(compgen -P "$head" -S : -W "sha1 sha256 sha384" -- "$part"))
	fi
	compopt -o nospace 2>/dev/null
	# bash splits words at ':' (COMP_WORDBREAKS): reply with what follows the last one
	if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		local strip=${cur%"${cur##*:}"} i
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$strip"}
		done
	fi
}

_bootchain()
{
	local prog=${COMP_WORDS[0]} cur prev line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
	# the word being completed, whole: COMP_WORDS splits it at ':'
	cur=${line##*[[:space:]]}
	local -a path=() args=()
	local i w
	# the words before it, without ':' splitting: commands and verbs, then arguments
	read -r -a args <<<"${line% *}"
	[[ $line == *[[:space:]]* ]] || args=()
	prev=${args[${#args[@]} - 1]}
	for ((i = 1; i < ${#args[@]}; i++)); do
		w=${args[i]}
		case $w in
		-T | --tcti) ((i++)); continue ;;
		-*) continue ;;
		esac
		((${#path[@]} < 3)) || break
		if _bootchain_words "$prog" "${path[@]}" | grep -qxF -- "$w"; then
			path+=("$w")
		else
			break
		fi
	done

	case $prev in
	--pcrs | --require-pcrs | --policy-pcrs)
		_bootchain_pcrs "$cur"
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		if ((${#path[@]})); then
			COMPREPLY=($(compgen -W "$(_bootchain_options "$prog" "${path[@]}")" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "--help --version --tcti" -- "$cur"))
		fi
		return
	fi
	if [[ ${path[*]} == "pcr read" ]]; then
		_bootchain_pcrs "$cur"
		return
	fi
	# a verb is only at its place: right after the command words
	if ((i == ${#args[@]})); then
		local verbs
		verbs=$(_bootchain_words "$prog" "${path[@]}")
		if [[ -n $verbs || ${#path[@]} == 0 ]]; then
			COMPREPLY=($(compgen -W "$verbs" -- "$cur"))
			[[ -n $verbs ]] && return
		fi
	fi
	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -F _bootchain bootchain
