# fish completion for svmtool(1)
#
# Region names come from `svmtool list -rn -o NAME`, run with the -R/--root
# and --shm-dir already on the command line; roots from the svmt:ROOT
# objects in the shm directory.

# Parse the tokens before the cursor.  Prints, one per line: the program,
# the command ("" if none yet), how many arguments follow the command, then
# the arguments that select the namespace (--root X, --shm-dir Y).
function __svmtool_parse
    set -l tokens (commandline -opc)
    set -l prog (string replace -r -- '^~' $HOME $tokens[1])
    set -e tokens[1]
    set -l cmd ''
    set -l ns
    while set -q tokens[1]
        switch $tokens[1]
            case -R --root
                set -q tokens[2]; and set ns $ns --root $tokens[2]
                set -e tokens[1]
            case '--root=*'
                set ns $ns --root (string replace -- --root= '' $tokens[1])
            case '-R?*'
                set ns $ns --root (string sub -s 3 -- $tokens[1])
            case --shm-dir
                set -q tokens[2]; and set ns $ns --shm-dir (string replace -r -- '^~' $HOME $tokens[2])
                set -e tokens[1]
            case '--shm-dir=*'
                set -l d (string replace -- --shm-dir= '' $tokens[1])
                set ns $ns --shm-dir (string replace -r -- '^~' $HOME $d)
            case -T --timeout --trust
                set -e tokens[1]
            case '-*'
            case '*'
                set cmd $tokens[1]
                break
        end
        set -e tokens[1]
    end
    # Arguments of the command (options with a value are few: -s, -m, -o...
    # never precede the one argument of map, which is all this is for).
    set -l npos (string match -v -- '-*' $tokens[2..-1] | count)
    printf '%s\n' $prog "$cmd" $npos $ns
end

function __svmtool_needs_command
    set -l p (__svmtool_parse)
    test -z "$p[2]"
end

# True when the command on the line is one of the arguments.
function __svmtool_using
    set -l p (__svmtool_parse)
    contains -- "$p[2]" $argv
end

function __svmtool_regions
    set -l p (__svmtool_parse)
    set -l prog $p[1]
    test "$p[2]" = map -a "$p[3]" -gt 0; and return 0
    command -q -- $prog; or test -x "$prog"; or return 0
    set -l given (commandline -opc)
    for r in ($prog $p[4..-1] list -rn -o NAME 2>/dev/null </dev/null)
        contains -- $r $given; or contains -- /$r $given; or echo $r
    end
end

function __svmtool_roots
    set -l p (__svmtool_parse)
    set -l dir $SVMTOOL_SHM_DIR
    test -n "$dir"; or set dir /dev/shm
    set -l i (contains -i -- --shm-dir $p)
    and set dir $p[(math $i + 1)]
    for f in $dir/svmt:*
        set -l n (string replace -r -- '^.*/svmt:' '' $f)
        string match -q -- '*:*' $n; or echo $n
    end
end

# Columns for list -o: complete the last of a comma-separated list, after
# an optional '+', leaving out the columns already chosen.
function __svmtool_columns
    set -l tok (commandline -ct | string replace -r -- '^(-o|--output=)' '')
    set -l head (string match -r -- '^.*,' $tok)
    or set head ''
    if test -z "$head"; and string match -q -- '+*' $tok
        set head +
    end
    set -l chosen (string trim -l -c + -- $head | string split -n ,)
    set -l cols NAME BASE SIZE DATA CLIENTS GHOSTS PIDS LOCK STATE FLAGS PERMS OWNER GROUP CTIME GEN HEAP-SIZE HEAP-USED HEAP-FREE FILE EXTENT DATA-BASE DATA-OFFSET PATH MAPPERS MAPPER-PIDS
    if contains -- -N (commandline -opc); or contains -- --namespaces (commandline -opc)
        set cols ROOT STATE BASE SPAN USED FREE LARGEST-FREE REGIONS CAPACITY CLIENTS GHOSTS LOCK OWNER GROUP PERMS CTIME PATH
    end
    for c in $cols
        contains -- $c $chosen; or echo $head$c
    end
end

complete -c svmtool -f

# A new command or option goes into the complete lines below and into the
# bash and zsh scripts beside this one: test/cli/completion*.bats check all
# three, in the real shells, against `svmtool --help` and each command's
# --help.

# Global options and commands.
set -l g '__svmtool_needs_command'
complete -c svmtool -n $g -s R -l root -x -a '(__svmtool_roots)' -d 'Namespace to work in'
complete -c svmtool -n $g -l shm-dir -x -a '(__fish_complete_directories (commandline -ct))' -d 'Directory of the objects'
complete -c svmtool -n $g -s T -l timeout -x -d 'Seconds to wait for locks'
complete -c svmtool -n $g -l trust -x -a '(__fish_complete_users)' -d 'Trust objects owned by USER'
complete -c svmtool -n $g -s b -l batch -r -F -d 'Run the commands of a file'
complete -c svmtool -n $g -s h -l help -d 'Show the usage'
complete -c svmtool -n $g -s V -l version -d 'Show the version'
complete -c svmtool -n $g -a create -d 'Create a persistent region'
complete -c svmtool -n $g -a map -d 'Attach to a region and print where it is'
complete -c svmtool -n $g -a list -d 'Show regions (read-only)'
complete -c svmtool -n $g -a scan -d 'Remove dead clients'
complete -c svmtool -n $g -a unmap -d 'Remove regions'
complete -c svmtool -n $g -a recover -d 'Check the namespace and repair it'
complete -c svmtool -n $g -a read -d "Copy a region's data to stdout"
complete -c svmtool -n $g -a write -d "Copy stdin into a region's data"
complete -c svmtool -n $g -a shell -d 'An interactive console, or a batch of commands'
complete -c svmtool -n $g -a help -d 'Show the usage of a command'

# Every command.
set -l all '__svmtool_using create map list scan unmap recover read write shell'
complete -c svmtool -n $all -s h -l help -d 'Show the usage of the command'

# create NAME
set -l c '__svmtool_using create'
complete -c svmtool -n $c -s s -l size -x -d 'Size of the data area'
complete -c svmtool -n $c -l heap -d 'Make the data area a heap'
complete -c svmtool -n $c -l file -r -F -d 'Keep the data area in this regular file'
complete -c svmtool -n $c -s m -l mode -x -a '0600 0640 0644 0660 0664 0666' -d 'Permission bits, applied exactly'
complete -c svmtool -n $c -l owner -x -a '(__fish_complete_users)' -d 'Owner of the region object'
complete -c svmtool -n $c -l group -x -a '(__fish_complete_groups)' -d 'Group of the region object'
complete -c svmtool -n $c -l exist-ok -d 'Succeed if it exists with this size'
complete -c svmtool -n $c -l base -x -d 'First address of a new namespace'
complete -c svmtool -n $c -l span -x -d 'Address span of a new namespace'
complete -c svmtool -n $c -l capacity -x -d 'Regions a new namespace can hold'

# map NAME
complete -c svmtool -n '__svmtool_using map' -l hold -d 'Stay attached until a signal'

# list [NAME...]
set -l l '__svmtool_using list'
complete -c svmtool -n $l -s N -l namespaces -d 'List the namespaces instead'
complete -c svmtool -n $l -s v -l verbose -d 'Print each region in detail'
complete -c svmtool -n $l -s J -l json -d 'Print JSON'
complete -c svmtool -n $l -s r -l raw -d 'Print a raw table'
complete -c svmtool -n $l -s e -l export -d 'Print KEY="value" pairs'
complete -c svmtool -n $l -s n -l noheadings -d 'Do not print headings'
complete -c svmtool -n $l -s o -l output -x -a '(__svmtool_columns)' -d 'Columns to show (+COLS adds)'
complete -c svmtool -n $l -s b -l bytes -d 'Print sizes in bytes'

# scan, unmap, recover
complete -c svmtool -n '__svmtool_using scan' -l dry-run -d 'Only report dead clients'
complete -c svmtool -n '__svmtool_using unmap' -s f -l force -d 'Remove even with live clients'
complete -c svmtool -n '__svmtool_using unmap' -l namespace -d 'Remove the namespace -R names'
complete -c svmtool -n '__svmtool_using recover' -l dry-run -d 'Only check'

# read, write
complete -c svmtool -n '__svmtool_using read write' -l offset -x -d 'First byte of the data area'
complete -c svmtool -n '__svmtool_using read' -l length -x -d 'Bytes to read'
complete -c svmtool -n '__svmtool_using read write' -l lock -d "Hold the region's data lock"
complete -c svmtool -n '__svmtool_using write' -s f -l force -d 'Write into a heap region too'

# shell
complete -c svmtool -n '__svmtool_using shell' -s b -l batch -r -F -d 'Run the lines of a file'
complete -c svmtool -n '__svmtool_using shell' -s f -l force -d 'Go on after a failing line'

# Region names and command names as arguments.
complete -c svmtool -n '__svmtool_using map list scan unmap recover read write' -a '(__svmtool_regions)' -d Region
complete -c svmtool -n '__svmtool_using help' -a 'create map list scan unmap recover read write shell help' -d Command
