<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Discovery</name>
    <message>
        <source>Roost server at {host}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The number after the colon is the port, and it must be between 1 and 65535 (Roost normally uses 8443). For example: 192.168.1.20:8443</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>"{text}" does not look like an address. Type the name of your Pi (like raspberrypi.local) or its IP address (like 192.168.1.20).</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Please type an address, for example raspberrypi.local or 192.168.1.20.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>"{text}" is not a complete IP address. It should be four numbers from 0 to 255 with dots between them, like 192.168.1.20.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Looking for Roost servers on your network…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Nothing found yet. If your Pi was just switched on, give it two minutes; you can also type its address.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Roost cannot search your network from this computer right now (a firewall or another program may be blocking it). You can still type your Pi's address below, for example raspberrypi.local or 192.168.1.20.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Found 1 Roost server.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Found {count} Roost servers.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Also found 1 computer you could install Roost on.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Also found {count} computers you could install Roost on.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Found 1 computer you could install Roost on.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Found {count} computers you could install Roost on.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>HomePage</name>
    <message>
        <source>Your Roost</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Look again</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Address, such as 192.168.1.20 or mypi.local</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Connect</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>I have an invite link…</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Try Roost on this computer</source>
        <translation>在这台电脑上试用 Roost</translation>
    </message>
    <message>
        <source>Other ways in</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Set up</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Sign in</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Install Roost</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Roost servers on this network</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Computers you can install Roost on</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Used before</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>No Roost server or Raspberry Pi found yet</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Make sure your Pi is switched on and connected to the same network as this computer. A Pi that was just switched on needs about two minutes. You can also type its address below, open an invite link, or try Roost on this computer first.</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Same as this computer</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Light</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Dark</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Language</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Appearance</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Remembering sign-ins</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Roost keeps its files in</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Version</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>Shell</name>
    <message>
        <source>Home</source>
        <translation>首页</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation type="unfinished" />
    </message>
</context>
<context>
    <name>Trial</name>
    <message>
        <source>No free network port was found on this computer.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The Roost server could not be started on this computer: {error}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The Roost server did not start within a minute. Details are in {log}.</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>The Roost server stopped while starting. Its last words:
{tail}</source>
        <translation type="unfinished" />
    </message>
    <message>
        <source>Roost started but could not describe itself: {error}</source>
        <translation type="unfinished" />
    </message>
</context>
</TS>