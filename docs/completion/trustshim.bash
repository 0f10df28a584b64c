# bash completion for trustshim(1).
# Installed as share/bash-completion/completions/trustshim; to try it from the
# source tree: source docs/completion/trustshim.bash

# File names, quoted as bash quotes them.
_trustshim_files() {
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

# The aliases in the manifest in effect (for remove, exec --without).
_trustshim_aliases() {
    local cmd=$1
    shift
    "$cmd" "$@" list --json 2>/dev/null | sed -n 's/.*"alias": *"\([^"]*\)".*/\1/p'
}

_trustshim() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion -n = || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local commands="init add import fetch list remove distrust undistrust target dir set render exec env check verify help"
    local global="--manifest --help --version"

    # The command is the first word after the global options.
    local i cmd="" cmd_at=0 manifest=()
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            --manifest)
                manifest=(--manifest "${words[i + 1]}")
                ((i++))
                ;;
            --manifest=*) manifest=("${words[i]}") ;;
            -*) ;;
            *)
                cmd=${words[i]}
                cmd_at=$i
                break
                ;;
        esac
    done

    if [ -z "$cmd" ]; then
        case $prev in
            --manifest)
                _trustshim_files
                return
                ;;
        esac
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$global" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
        fi
        return
    fi

    # exec: after "--" or the first operand, complete the command to run.
    if [ "$cmd" = exec ]; then
        for ((i = cmd_at + 1; i < cword; i++)); do
            case ${words[i]} in
                --) break ;;
                --with | --without | --manifest)
                    ((i++))
                    ;;
                -*) ;;
                *) break ;;
            esac
        done
        if ((i < cword)); then
            local skip=$i
            [ "${words[i]}" = -- ] && skip=$((i + 1))
            if declare -F _command_offset >/dev/null 2>&1; then
                _command_offset "$skip"
            else
                mapfile -t COMPREPLY < <(compgen -c -- "$cur")
            fi
            return
        fi
    fi

    local opts="--manifest --help"
    case $cmd in
        init) ;;
        add) opts+=" --alias --host" ;;
        import) opts+=" --password --host --dry-run --cacerts --base --all" ;;
        target) opts+=" --password --no-merge --merge --json" ;;
        dir) opts+=" --password --trust --json" ;;
        set) opts+=" --json" ;;
        fetch) opts+=" --add --sha256 --trust-on-first-use --alias --pick --replace --connect --servername --pem --out --json --timeout" ;;
        list) opts+=" --json" ;;
        remove) ;;
        distrust | undistrust) opts+=" --base" ;;
        render) opts+=" --output --format --base --no-base --password --base-password --host" ;;
        exec) opts+=" --with --without" ;;
        env) opts+=" --format --strict" ;;
        check) opts+=" --strict --json --allegra-home" ;;
        verify) opts+=" --jdk --security-properties --identity --connect --servername --base --no-base --timeout" ;;
        help)
            if ((cword == cmd_at + 1)); then
                mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
            fi
            return
            ;;
        *) return ;;
    esac

    # target, dir, set: the action (or setting) first, then paths or a value
    case $cmd in
        target | dir | set)
            if ((cword == cmd_at + 1)) && [[ $cur != -* ]]; then
                local actions="add remove list"
                [ "$cmd" = set ] && actions="password format"
                mapfile -t COMPREPLY < <(compgen -W "$actions" -- "$cur")
                return
            fi
            if [ "$cmd" = set ] && [ "$prev" = format ]; then
                mapfile -t COMPREPLY < <(compgen -W "jks pkcs12 keep" -- "$cur")
                return
            fi
            ;;
    esac

    case $prev in
        --trust)
            mapfile -t COMPREPLY < <(compgen -W "full host" -- "$cur")
            return
            ;;
        --manifest | --with | --base | --cacerts | -o | --output)
            _trustshim_files
            return
            ;;
        --format)
            if [ "$cmd" = env ]; then
                mapfile -t COMPREPLY < <(compgen -W "sh systemd docker" -- "$cur")
            else
                mapfile -t COMPREPLY < <(compgen -W "jks pkcs12" -- "$cur")
            fi
            return
            ;;
        --pick)
            mapfile -t COMPREPLY < <(compgen -W "last leaf all" -- "$cur")
            return
            ;;
        --identity)
            mapfile -t COMPREPLY < <(compgen -W "https ldap mail none" -- "$cur")
            return
            ;;
        --jdk | --allegra-home)
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            return
            ;;
        --security-properties | --out)
            _trustshim_files
            return
            ;;
        --connect | --servername)
            return
            ;;
        --without)
            mapfile -t COMPREPLY < <(compgen -W "$(_trustshim_aliases "${words[0]}" "${manifest[@]}")" -- "$cur")
            return
            ;;
        --alias | --host | --sha256 | --timeout | --password | --base-password)
            return
            ;;
    esac

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
        return
    fi
    case $cmd in
        add | import) _trustshim_files ;;
        target | dir)
            if [ "${words[cmd_at + 1]}" != list ]; then
                _trustshim_files
            fi
            ;;
        remove) mapfile -t COMPREPLY < <(compgen -W "$(_trustshim_aliases "${words[0]}" "${manifest[@]}")" -- "$cur") ;;
        fetch | verify)
            mapfile -t COMPREPLY < <(compgen -W "https:// ldaps:// ldap:// smtps:// smtp:// submission:// imaps:// imap:// pop3s:// pop3://" -- "$cur")
            compopt -o nospace 2>/dev/null
            ;;
        exec) mapfile -t COMPREPLY < <(compgen -c -- "$cur") ;;
    esac
}
complete -F _trustshim trustshim
